using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>
/// The movement ledger and transfers over real HTTP and WebSocket, through two API nodes: a till's
/// and ops' movements page and stream in version order with who, why and which operation; a
/// transfer moves units between stores with every screen seeing it; and the access rules hold.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class StockLedgerApiTests(OmniApiFixture omni)
{
    private const string MovementFields = "sku storeId version kind onHandDelta reservedDelta onHandAfter reservedAfter reference actor channel reason customerId at";

    [Fact]
    public async Task Movements_page_and_stream_in_version_order_with_who_why_and_which_operation()
    {
        var sku = await omni.NewProduct(5, ("s1", 10));
        var staff = await omni.StaffToken("s1");
        await using var till = await OmniApiFixture.Socket(omni.B, staff);
        await till.Subscribe("m", $"subscription {{ stockMoved(storeId: \"s1\", sku: \"{sku}\") {{ {MovementFields} }} }}");
        await using var everything = await OmniApiFixture.Socket(omni.A, omni.OpsToken);
        await everything.Subscribe("all", $"subscription {{ stockMoved(storeId: \"s1\") {{ {MovementFields} }} }}");
        var first = await till.Next("m", "stockMoved");
        Assert.Equal((1, "RECEIVED", "ops"), (first.Int("version"), first.Str("kind"), first.Str("actor")));

        Ok(await Mutate(staff, "reserveStock(storeId: \"s1\", sku: $sku, quantity: 2, reservationId: \"r1\") { errors { code } }", sku), "reserveStock");
        Ok(await Mutate(staff, "recordSale(storeId: \"s1\", sku: $sku, quantity: 1, saleId: \"sale-1\", customerId: \"cust-7\") { errors { code } }", sku), "recordSale");
        Ok(await Mutate(staff, "recordReturn(storeId: \"s1\", sku: $sku, quantity: 1, returnId: \"ret-1\", reason: \"wrong size\", customerId: \"cust-7\") { errors { code } }", sku), "recordReturn");
        Ok(await Mutate(staff, "releaseReservation(storeId: \"s1\", sku: $sku, reservationId: \"r1\") { errors { code } }", sku), "releaseReservation");
        Ok(await Mutate(omni.OpsToken, "setSafetyStock(storeId: \"s1\", sku: $sku, safetyStock: 2, movementId: \"safety-1\") { stock { safetyStock available } errors { code } }", sku), "setSafetyStock");
        Ok(await Mutate(omni.OpsToken, "setStockCount(storeId: \"s1\", sku: $sku, onHand: 8, movementId: \"count-1\", reason: \"stock take\") { errors { code } }", sku), "setStockCount");
        // A retry and a refusal write nothing; a reason too long is refused and changes nothing.
        Ok(await Mutate(staff, "recordSale(storeId: \"s1\", sku: $sku, quantity: 1, saleId: \"sale-1\") { errors { code } }", sku), "recordSale");
        var tooLong = await Mutate(omni.OpsToken, $"receiveStock(storeId: \"s1\", sku: $sku, quantity: 1, movementId: \"m-long\", reason: \"{new string('x', 201)}\") {{ errors {{ code }} }}", sku);
        Assert.Equal(["INVALID_ARGUMENT"], tooLong.ErrorCodes);

        var streamed = new List<JsonElement> { first };
        await till.NextUntil("m", "stockMoved", m => { streamed.Add(m); return m.Int("version") == 7; });
        var page1 = (await Movements(staff, sku, 0, 4)).Ok()["stockMovements"].EnumerateArray().ToList();
        var page2 = (await Movements(staff, sku, 4, 100)).Ok()["stockMovements"].EnumerateArray().ToList();
        var paged = page1.Concat(page2).ToList();

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], streamed.Select(m => m.Int("version")));
        Assert.Equal(streamed.Select(m => m.ToString()), paged.Select(m => m.ToString()));
        Assert.Equal(
            [
                "RECEIVED 10 0 10 0 ops  ",
                "RESERVED 0 2 10 2 staff:s1 POS ",
                "SOLD -1 0 9 2 staff:s1 POS cust-7",
                "RETURNED 1 0 10 2 staff:s1 POS cust-7",
                "RELEASED 0 -2 10 0 staff:s1 POS ",
                "SAFETY_STOCK_SET 0 0 10 0 ops  ",
                "COUNTED -2 0 8 0 ops  ",
            ],
            paged.Select(m => $"{m.Str("kind")} {m.Int("onHandDelta")} {m.Int("reservedDelta")} {m.Int("onHandAfter")} {m.Int("reservedAfter")} {m.Str("actor")} {m.Str("channel")} {m.Str("customerId")}"));
        Assert.Equal(["r1", "sale-1", "ret-1", "r1", "safety-1", "count-1"], paged.Skip(1).Select(m => m.Str("reference")));
        Assert.Equal(["wrong size", "stock take"], paged.Select(m => m.Str("reason")).OfType<string>());
        var level = (await omni.A.Send("query($sku: ID!) { stock(sku: $sku, storeId: \"s1\") { onHand reserved version incoming } }", new { sku })).Ok()["stock"];
        Assert.Equal((8, 0, 7, 0), (level.Int("onHand"), level.Int("reserved"), level.Int("version"), level.Int("incoming")));

        // The location-wide stream carries this SKU's movements too, in order.
        var seen = new List<int>();
        await everything.NextUntil("all", "stockMoved", m =>
        {
            if (m.Str("sku") == sku)
            {
                seen.Add(m.Int("version"));
            }
            return m.Str("sku") == sku && m.Int("version") == 7;
        }, most: 500);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Distinct(), seen);
    }

    [Fact]
    public async Task A_transfer_between_stores_through_the_api_and_who_may_do_what()
    {
        var sku = await omni.NewProduct(5, ("w1", 10));
        var (warehouse, store, other) = (await omni.StaffToken("w1"), await omni.StaffToken("s1"), await omni.StaffToken("s2"));
        var customer = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
        var id = $"tr-{Guid.NewGuid():N}"[..20];
        const string TransferFields = "transfer { id status version fromStoreId toStoreId lines { sku quantity received } } errors { code }";
        string Request(int quantity, string to = "s1") =>
            $"mutation($sku: ID!) {{ requestTransfer(transferId: \"{id}\", fromStoreId: \"w1\", toStoreId: \"{to}\", lines: [{{ sku: $sku, quantity: {quantity} }}]) {{ {TransferFields} }} }}";

        // Who may not: nobody but staff of the origin (or ops) requests; bad input changes nothing.
        Assert.Equal(["UNAUTHENTICATED"], (await omni.A.Send(Request(4), new { sku })).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send(Request(4), new { sku }, store)).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send(Request(4), new { sku }, customer)).ErrorCodes);
        Assert.Equal(["INVALID_ARGUMENT"], (await omni.A.Send(Request(0), new { sku }, warehouse)).Ok().UserErrors("requestTransfer"));
        Assert.Equal(["INVALID_ARGUMENT"], (await omni.A.Send(Request(4, to: "w1"), new { sku }, warehouse)).Ok().UserErrors("requestTransfer"));
        Assert.Equal(JsonValueKind.Null, (await omni.A.Send($"{{ transfer(id: \"{id}\") {{ id }} }}", null, warehouse)).Ok()["transfer"].ValueKind);

        var requested = (await omni.A.Send(Request(4), new { sku }, warehouse)).Ok()["requestTransfer"];
        Assert.Equal("REQUESTED", requested.GetProperty("transfer").Str("status"));
        await using var screen = await OmniApiFixture.Socket(omni.B, store);
        await screen.Subscribe("t", $"subscription {{ transferUpdated(transferId: \"{id}\") {{ status version }} }}");
        var seen = new List<JsonElement> { await screen.Next("t", "transferUpdated") };
        await using var intruder = await OmniApiFixture.Socket(omni.B, other);
        await intruder.Subscribe("t", $"subscription {{ transferUpdated(transferId: \"{id}\") {{ status }} }}");
        Assert.Equal(["FORBIDDEN"], await intruder.Error("t"));

        string Act(string field, string args = "") => $"mutation {{ {field}(transferId: \"{id}\"{args}) {{ {TransferFields} }} }}";
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send(Act("dispatchTransfer"), null, store)).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send($"{{ transfer(id: \"{id}\") {{ id }} }}", null, other)).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send("{ transfers(storeId: \"s1\") { id } }", null, other)).ErrorCodes);
        Assert.Equal("IN_TRANSIT", (await omni.A.Send(Act("dispatchTransfer"), null, warehouse)).Ok()["dispatchTransfer.transfer.status"].GetString());
        // Both levels' incoming in one batch (the loader reads a selection level at once).
        var incoming = (await omni.B.Send("query($sku: ID!) { s: stock(sku: $sku, storeId: \"s1\") { onHand incoming } w: stock(sku: $sku, storeId: \"w1\") { onHand incoming } }", new { sku })).Ok();
        Assert.Equal((0, 4, 6, 0), (incoming["s"].Int("onHand"), incoming["s"].Int("incoming"), incoming["w"].Int("onHand"), incoming["w"].Int("incoming")));
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send(Act("receiveTransfer"), null, warehouse)).ErrorCodes);
        var overReceived = await omni.A.Send($"mutation($sku: ID!) {{ receiveTransfer(transferId: \"{id}\", received: [{{ sku: $sku, quantity: 5 }}]) {{ {TransferFields} }} }}", new { sku }, store);
        Assert.Equal(["INVALID_ARGUMENT"], overReceived.Ok().UserErrors("receiveTransfer"));
        var received = (await omni.A.Send($"mutation($sku: ID!) {{ receiveTransfer(transferId: \"{id}\", received: [{{ sku: $sku, quantity: 3 }}]) {{ {TransferFields} }} }}", new { sku }, store))
            .Ok()["receiveTransfer.transfer"];
        Assert.Equal(("RECEIVED", 4, 3), (received.Str("status"), received.GetProperty("lines")[0].Int("quantity"), received.GetProperty("lines")[0].Int("received")));
        Assert.Equal(["INVALID_STATE"], (await omni.A.Send(Act("cancelTransfer"), null, warehouse)).Ok().UserErrors("cancelTransfer"));
        await screen.NextUntil("t", "transferUpdated", t => { seen.Add(t); return t.Str("status") == "RECEIVED" && !t.Equals(default); });

        Assert.Equal(seen.Select(t => t.Int("version")).Order(), seen.Select(t => t.Int("version")));
        var levels = (await omni.A.Send("query($sku: ID!) { w: stock(sku: $sku, storeId: \"w1\") { onHand reserved } s: stock(sku: $sku, storeId: \"s1\") { onHand incoming } }", new { sku })).Ok();
        Assert.Equal((6, 0, 3, 0), (levels["w"].Int("onHand"), levels["w"].Int("reserved"), levels["s"].Int("onHand"), levels["s"].Int("incoming")));
        var listed = (await omni.A.Send("{ transfers(storeId: \"s1\", status: RECEIVED) { id } }", null, store)).Ok()["transfers"];
        Assert.Contains(listed.EnumerateArray(), t => t.Str("id") == id);
        var atOrigin = (await Movements(warehouse, sku, 0, 10, "w1")).Ok()["stockMovements"].EnumerateArray().Select(m => $"{m.Str("kind")} {m.Str("reference")}").ToList();
        Assert.Equal(["RECEIVED", $"RESERVED {id}", $"TRANSFER_OUT {id}"], atOrigin.Select(m => m.StartsWith("RECEIVED", StringComparison.Ordinal) ? "RECEIVED" : m));
    }

    [Fact]
    public async Task The_ledger_is_for_staff_of_that_store_and_ops_only()
    {
        var sku = await omni.NewProduct(5, ("s1", 3));
        var query = $"{{ stockMovements(sku: \"{sku}\", storeId: \"s1\") {{ version }} }}";
        Assert.Equal(["UNAUTHENTICATED"], (await omni.A.Send(query)).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send(query, null, await omni.CustomerToken("c-ledger"))).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await omni.A.Send(query, null, await omni.StaffToken("s2"))).ErrorCodes);
        Assert.Equal(1, (await omni.A.Send(query, null, await omni.StaffToken("s1"))).Ok()["stockMovements"].GetArrayLength());
        Assert.Equal(["INVALID_ARGUMENT"], (await omni.A.Send($"{{ stockMovements(sku: \"{sku}\", storeId: \"s1\", first: 501) {{ version }} }}", null, omni.OpsToken)).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await Mutate(await omni.StaffToken("s1"), "setSafetyStock(storeId: \"s1\", sku: $sku, safetyStock: 1, movementId: \"x\") { errors { code } }", sku)).ErrorCodes);
        await using var socket = await OmniApiFixture.Socket(omni.B, await omni.StaffToken("s2"));
        await socket.Subscribe("m", $"subscription {{ stockMoved(storeId: \"s1\", sku: \"{sku}\") {{ version }} }}");
        Assert.Equal(["FORBIDDEN"], await socket.Error("m"));
    }

    private Task<GraphQLResponse> Mutate(string token, string field, string sku) =>
        omni.A.Send($"mutation($sku: ID!) {{ {field} }}", new { sku }, token);

    private Task<GraphQLResponse> Movements(string token, string sku, int after, int first, string storeId = "s1") =>
        omni.B.Send($"query($sku: ID!) {{ stockMovements(sku: $sku, storeId: \"{storeId}\", afterVersion: {after}, first: {first}) {{ {MovementFields} }} }}", new { sku }, token);

    private static void Ok(GraphQLResponse response, string payload) => Assert.Empty(response.Ok().UserErrors(payload));
}
