using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>
/// Click and collect and returns through the public API over HTTP and WebSocket: the web places an
/// order with pickups at two stores and a delivery; each store's counter sees its part live; staff
/// move the fulfillments; the shopper's app hears every change in version order. A cancel racing a
/// handover has one winner; returns at two stores never take back more than was sold.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class PickupReturnApiTests(OmniApiFixture omni)
{
    private const string OrderFields = "id version status channel refundedTotal fulfillments { id kind storeId status collectBy lines { sku quantity } } returns { id storeId lines { sku quantity refund } }";

    [Fact]
    public async Task Pickups_at_two_stores_and_a_delivery_move_along_and_every_screen_sees_each_change_in_order()
    {
        var (atS1, atS2, fromW1) = (await omni.NewProduct(4, ("s1", 5)), await omni.NewProduct(6, ("s2", 5)), await omni.NewProduct(10, ("w1", 5)));
        var customer = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
        var (staffS1, staffS2, staffW1) = (await omni.StaffToken("s1"), await omni.StaffToken("s2"), await omni.StaffToken("w1"));
        await using var counterS1 = await OmniApiFixture.Socket(omni.B, staffS1);
        await using var counterS2 = await OmniApiFixture.Socket(omni.A, staffS2);
        await counterS1.Subscribe("q", $"subscription {{ pickupQueueUpdated(storeId: \"s1\") {{ {OrderFields} }} }}");
        await counterS2.Subscribe("q", $"subscription {{ pickupQueueUpdated(storeId: \"s2\") {{ {OrderFields} }} }}");

        var order = await PlaceOrder(customer, (atS1, 2, "s1"), (atS2, 1, "s2"), (fromW1, 1, null));
        var orderId = order.Str("id")!;
        string Fulfillment(string store) => order.GetProperty("fulfillments").EnumerateArray().Single(f => f.Str("storeId") == store).Str("id")!;
        // The counters hear of the new order live (nothing else changes these queues meanwhile: the collection runs one test at a time).
        var placedAtS1 = await counterS1.NextUntil("q", "pickupQueueUpdated", o => o.Str("id") == orderId);
        var placedAtS2 = await counterS2.NextUntil("q", "pickupQueueUpdated", o => o.Str("id") == orderId);
        await using var app = await OmniApiFixture.Socket(omni.B, customer);
        await app.Subscribe("o", $"subscription {{ orderUpdated(orderId: \"{orderId}\") {{ {OrderFields} }} }}");
        var appFirst = await app.Next("o", "orderUpdated");
        var openAtS1 = await Queue(staffS1, "s1", "OPEN");
        var readyAtS1 = await Queue(staffS1, "s1", "READY_FOR_PICKUP");

        var results = new List<JsonElement>
        {
            await Move("markReadyForPickup", orderId, Fulfillment("s1"), staffS1),
            await Move("markReadyForPickup", orderId, Fulfillment("s2"), staffS2),
            await Move("markShipped", orderId, Fulfillment("w1"), staffW1),
            await Move("confirmPickup", orderId, Fulfillment("s1"), staffS1),
            await Move("confirmPickup", orderId, Fulfillment("s2"), staffS2),
        };
        var again = await Move("confirmPickup", orderId, Fulfillment("s2"), staffS2);

        var appSeen = new List<JsonElement> { appFirst };
        await app.NextUntil("o", "orderUpdated", o => { appSeen.Add(o); return o.Str("status") == "COMPLETED"; });
        var s1Seen = new List<JsonElement>();
        await counterS1.NextUntil("q", "pickupQueueUpdated", o => { s1Seen.Add(o); return o.Str("id") == orderId && o.Str("status") == "COMPLETED"; });
        var s2Seen = new List<JsonElement>();
        await counterS2.NextUntil("q", "pickupQueueUpdated", o => { s2Seen.Add(o); return o.Str("id") == orderId && o.Str("status") == "COMPLETED"; });

        Assert.Equal("WEB", order.Str("channel"));
        Assert.Equal(["PICKUP:s1:OPEN:1", "PICKUP:s2:OPEN:1", "SHIP:w1:OPEN:1"],
            order.GetProperty("fulfillments").EnumerateArray().Select(f => $"{f.Str("kind")}:{f.Str("storeId")}:{f.Str("status")}:{f.GetProperty("lines").GetArrayLength()}").Order());
        Assert.Equal(order.Int("version"), placedAtS1.Int("version"));
        Assert.Equal(order.Int("version"), placedAtS2.Int("version"));
        Assert.Contains(orderId, openAtS1);
        Assert.DoesNotContain(orderId, readyAtS1);
        Assert.Equal(["PLACED", "READY_FOR_PICKUP", "READY_FOR_PICKUP", "READY_FOR_PICKUP", "COMPLETED"], results.Select(r => r.Str("status")));
        Assert.Equal(results[^1].Int("version"), again.Int("version"));
        var versions = results.Select(r => r.Int("version")).ToList();
        Assert.Equal(Enumerable.Range(order.Int("version") + 1, 5), versions);
        // Every change reaches the app and both counters, in version order.
        Assert.Equal(Enumerable.Range(order.Int("version"), 6), appSeen.Select(o => o.Int("version")));
        Assert.Equal(versions, s1Seen.Where(o => o.Str("id") == orderId).Select(o => o.Int("version")));
        Assert.Equal(versions, s2Seen.Where(o => o.Str("id") == orderId).Select(o => o.Int("version")));
        Assert.Contains(orderId, await Queue(staffS1, "s1", "PICKED_UP"));
        Assert.DoesNotContain(orderId, await Queue(staffS2, "s2", "READY_FOR_PICKUP"));
        Assert.NotEqual(JsonValueKind.Null, results[0].GetProperty("fulfillments").EnumerateArray().Single(f => f.Str("storeId") == "s1").GetProperty("collectBy").ValueKind);
    }

    [Fact]
    public async Task Only_staff_of_the_fulfillments_store_or_ops_move_it_and_only_they_see_the_queue()
    {
        var sku = await omni.NewProduct(4, ("s1", 5));
        var customer = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
        var order = await PlaceOrder(customer, (sku, 1, "s1"));
        var (orderId, fulfillmentId) = (order.Str("id")!, order.GetProperty("fulfillments")[0].Str("id")!);
        const string Ready = "mutation($o: ID!, $f: ID!) { markReadyForPickup(orderId: $o, fulfillmentId: $f) { order { status } errors { code } } }";

        var anonymous = await omni.A.Send(Ready, new { o = orderId, f = fulfillmentId });
        var byCustomer = await omni.A.Send(Ready, new { o = orderId, f = fulfillmentId }, customer);
        var byOtherStore = await omni.A.Send(Ready, new { o = orderId, f = fulfillmentId }, await omni.StaffToken("s2"));
        var queueOfOtherStore = await omni.A.Send("query { pickupOrders(storeId: \"s1\") { id } }", token: await omni.StaffToken("s2"));
        var readByStranger = await omni.A.Send("query($id: ID!) { order(id: $id) { id } }", new { id = orderId }, await omni.StaffToken("s2"));
        var readByStaff = await omni.A.Send("query($id: ID!) { order(id: $id) { id } }", new { id = orderId }, await omni.StaffToken("s1"));
        var byOps = await omni.A.Send(Ready, new { o = orderId, f = fulfillmentId }, omni.OpsToken);
        var shipAPickup = await omni.A.Send("mutation($o: ID!, $f: ID!) { markShipped(orderId: $o, fulfillmentId: $f) { errors { code } } }", new { o = orderId, f = fulfillmentId }, omni.OpsToken);

        Assert.Equal(["UNAUTHENTICATED"], anonymous.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], byCustomer.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], byOtherStore.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], queueOfOtherStore.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], readByStranger.ErrorCodes);
        Assert.Equal(orderId, readByStaff.Ok()["order.id"].GetString());
        Assert.Equal("READY_FOR_PICKUP", byOps.Ok()["markReadyForPickup.order.status"].GetString());
        Assert.Equal(["INVALID_STATE"], shipAPickup.Ok().UserErrors("markShipped"));
    }

    [Fact]
    public async Task A_cancel_racing_a_handover_has_exactly_one_winner_and_the_stock_is_right_either_way()
    {
        var staff = await omni.StaffToken("s1");
        for (var round = 0; round < 4; round++)
        {
            var sku = await omni.NewProduct(4, ("s1", 5));
            var customer = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
            var order = await PlaceOrder(customer, (sku, 2, "s1"));
            var (orderId, fulfillmentId) = (order.Str("id")!, order.GetProperty("fulfillments")[0].Str("id")!);
            await Move("markReadyForPickup", orderId, fulfillmentId, staff);

            var cancel = omni.A.Send("mutation($o: ID!) { cancelOrder(orderId: $o) { order { status } errors { code } } }", new { o = orderId }, customer);
            var handover = omni.B.Send("mutation($o: ID!, $f: ID!) { confirmPickup(orderId: $o, fulfillmentId: $f) { order { status } errors { code } } }", new { o = orderId, f = fulfillmentId }, staff);
            var (cancelled, handed) = ((await cancel).Ok(), (await handover).Ok());
            var stock = (await omni.A.Send("query($sku: ID!) { stock(sku: $sku, storeId: \"s1\") { onHand reserved } }", new { sku })).Ok()["stock"];
            var final = (await omni.A.Send("query($id: ID!) { order(id: $id) { status } }", new { id = orderId }, customer)).Ok()["order.status"].GetString();

            var cancelWon = cancelled.UserErrors("cancelOrder").Count == 0;
            var handoverWon = handed.UserErrors("confirmPickup").Count == 0;
            Assert.True(cancelWon ^ handoverWon, $"round {round}: cancel {cancelled}, handover {handed}");
            Assert.Equal(cancelWon ? ["INVALID_STATE"] : [], handed.UserErrors("confirmPickup"));
            Assert.Equal(handoverWon ? ["INVALID_STATE"] : [], cancelled.UserErrors("cancelOrder"));
            Assert.Equal(cancelWon ? "CANCELLED" : "COMPLETED", final);
            Assert.Equal((cancelWon ? 5 : 3, 0), (stock.Int("onHand"), stock.Int("reserved")));
        }
    }

    [Fact]
    public async Task Returns_at_two_stores_at_once_never_exceed_what_was_sold_and_a_retry_changes_nothing()
    {
        var sku = await omni.NewProduct(4.5, ("s1", 5), ("s2", 5));
        var customer = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
        var (staffS1, staffS2) = (await omni.StaffToken("s1"), await omni.StaffToken("s2"));
        var order = await PlaceOrder(customer, (sku, 3, "s1"));
        var (orderId, fulfillmentId) = (order.Str("id")!, order.GetProperty("fulfillments")[0].Str("id")!);
        var early = await Return(orderId, "s1", "early", sku, 1, staffS1);
        await Move("markReadyForPickup", orderId, fulfillmentId, staffS1);
        await Move("confirmPickup", orderId, fulfillmentId, staffS1);

        // Two stores take back 2 of the 3 units at the same time: only one may.
        var (r1, r2) = ($"r1-{Guid.NewGuid():N}", $"r2-{Guid.NewGuid():N}");
        var atS1 = Return(orderId, "s1", r1, sku, 2, staffS1);
        var atS2 = Return(orderId, "s2", r2, sku, 2, staffS2);
        var outcomes = new[] { (Store: "s1", Id: r1, Result: await atS1), (Store: "s2", Id: r2, Result: await atS2) };
        var winner = Assert.Single(outcomes, o => o.Result.UserErrors("returnOrderLines").Count == 0);
        var loser = Assert.Single(outcomes, o => o != winner);
        var retried = await Return(orderId, winner.Store, winner.Id, sku, 2, winner.Store == "s1" ? staffS1 : staffS2);
        var last = await Return(orderId, loser.Store, $"r3-{Guid.NewGuid():N}", sku, 1, loser.Store == "s1" ? staffS1 : staffS2);
        var tooMany = await Return(orderId, "s1", $"r4-{Guid.NewGuid():N}", sku, 1, staffS1);
        var stock = new Dictionary<string, int>();
        foreach (var store in new[] { "s1", "s2" })
        {
            stock[store] = (await omni.A.Send("query($sku: ID!, $s: ID!) { stock(sku: $sku, storeId: $s) { onHand } }", new { sku, s = store })).Ok()["stock.onHand"].GetInt32();
        }
        var readByLoserStaff = await omni.A.Send($"query($id: ID!) {{ order(id: $id) {{ {OrderFields} }} }}", new { id = orderId }, loser.Store == "s1" ? staffS1 : staffS2);
        var final = readByLoserStaff.Ok()["order"];

        Assert.Equal(["INVALID_STATE"], early.UserErrors("returnOrderLines"));
        Assert.Equal(["RETURN_EXCEEDS_SOLD"], loser.Result.UserErrors("returnOrderLines"));
        Assert.Empty(retried.UserErrors("returnOrderLines"));
        Assert.Equal(winner.Result["returnOrderLines.order.version"].GetInt32(), retried["returnOrderLines.order.version"].GetInt32());
        Assert.Empty(last.UserErrors("returnOrderLines"));
        Assert.Equal(["RETURN_EXCEEDS_SOLD"], tooMany.UserErrors("returnOrderLines"));
        Assert.Equal(13.5, final.GetProperty("refundedTotal").GetDouble());
        Assert.Equal(
            [(winner.Store, 2, 9.0), (loser.Store, 1, 4.5)],
            final.GetProperty("returns").EnumerateArray().Select(r => (r.Str("storeId"), r.GetProperty("lines")[0].Int("quantity"), r.GetProperty("lines")[0].GetProperty("refund").GetDouble())));
        // The units went up where they were taken back: s1 sold 3 of its 5.
        Assert.Equal(5 - 3 + (winner.Store == "s1" ? 2 : 1), stock["s1"]);
        Assert.Equal(5 + (winner.Store == "s2" ? 2 : 1), stock["s2"]);
        Assert.Equal("COMPLETED", final.Str("status"));
    }

    private async Task<JsonElement> PlaceOrder(string customer, params (string Sku, int Quantity, string? PickupAt)[] lines)
    {
        var session = (await omni.A.Send("mutation { startSession(channel: WEB) { session { id cartId } } }", token: customer)).Ok()["startSession.session"];
        var (sessionId, cartId) = (session.Str("id"), session.Str("cartId"));
        foreach (var (sku, quantity, pickupAt) in lines)
        {
            var fulfillment = pickupAt is null ? new { kind = "SHIP", storeId = (string?)null } : new { kind = "PICKUP", storeId = (string?)pickupAt };
            var added = await omni.A.Send("""
                mutation($cartId: ID!, $sku: ID!, $quantity: Int!, $fulfillment: FulfillmentInput, $sessionId: ID) {
                  addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity, fulfillment: $fulfillment, sessionId: $sessionId) { cart { version } errors { code message } }
                }
                """, new { cartId, sku, quantity, fulfillment, sessionId }, customer);
            Assert.Empty(added.Ok().UserErrors("addCartLine"));
        }
        var checkout = await omni.A.Send($"mutation($cartId: ID!, $key: ID!) {{ checkout(cartId: $cartId, idempotencyKey: $key) {{ order {{ {OrderFields} }} errors {{ code message }} }} }}",
            new { cartId, key = Guid.NewGuid().ToString("N") }, customer);
        Assert.Empty(checkout.Ok().UserErrors("checkout"));
        return checkout["checkout.order"];
    }

    private async Task<JsonElement> Move(string mutation, string orderId, string fulfillmentId, string token)
    {
        var moved = await omni.A.Send($"mutation($o: ID!, $f: ID!) {{ {mutation}(orderId: $o, fulfillmentId: $f) {{ order {{ {OrderFields} }} errors {{ code message }} }} }}",
            new { o = orderId, f = fulfillmentId }, token);
        Assert.Empty(moved.Ok().UserErrors(mutation));
        return moved[mutation + ".order"];
    }

    private Task<GraphQLResponse> Return(string orderId, string storeId, string returnId, string sku, int quantity, string token) =>
        omni.A.Send($$"""
            mutation($o: ID!, $s: ID!, $r: ID!, $lines: [ReturnLineInput!]!) {
              returnOrderLines(orderId: $o, storeId: $s, returnId: $r, lines: $lines, reason: "does not fit") { order { {{OrderFields}} } errors { code message } }
            }
            """, new { o = orderId, s = storeId, r = returnId, lines = new[] { new { sku, quantity } } }, token).ContinueWith(t => t.Result.Ok());

    private async Task<IReadOnlyList<string?>> Queue(string token, string storeId, string? status)
    {
        var queue = await omni.A.Send("query($s: ID!, $status: FulfillmentStatus) { pickupOrders(storeId: $s, status: $status, first: 200) { id } }",
            new { s = storeId, status }, token);
        return [.. queue.Ok()["pickupOrders"].EnumerateArray().Select(o => o.Str("id"))];
    }
}
