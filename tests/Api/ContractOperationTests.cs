using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>Every query and mutation of the contract over real HTTP, against the real silo and API executables.</summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class ContractOperationTests(OmniApiFixture omni)
{
    public const string CartFields = """
        id customerId version itemCount subtotal currency checkedOut updatedAt lastChangedBy mergedInto orderId
        lines { id sku quantity fulfillment storeId reservationId reservedUntil lineTotal product { sku name unitPrice currency } }
        """;

    public const string OrderFields = "id cartId customerId status total placedAt currency version lines { sku quantity fulfillment storeId unitPrice }";

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Catalog_and_stores_are_public()
    {
        var sku = await omni.NewProduct(12.5);

        var found = await omni.A.Send("""
            query($sku: ID!) {
              product(sku: $sku) { sku name unitPrice currency }
              unknown: product(sku: "NO-SUCH-SKU") { sku }
              products(first: 200) { sku }
              stores { id name kind latitude longitude shipsOnline pickupEnabled }
            }
            """, new { sku });
        // Two products, so a page after the smaller sku has at least the larger one in it.
        var other = await omni.NewProduct(1);
        var smaller = string.CompareOrdinal(sku, other) < 0 ? sku : other;
        var after = await omni.A.Send("query($after: ID) { products(first: 3, after: $after) { sku } }", new { after = smaller });

        found.Ok();
        Assert.Equal(sku, found["product.sku"].GetString());
        Assert.Equal(12.5, found["product.unitPrice"].GetDouble());
        Assert.Equal("EUR", found["product.currency"].GetString());
        Assert.Equal(JsonValueKind.Null, found["unknown"].ValueKind);
        Assert.Contains(sku, found["products"].EnumerateArray().Select(p => p.Str("sku")));
        var stores = found["stores"].EnumerateArray().ToDictionary(s => s.Str("id")!);
        Assert.Equal("WAREHOUSE", stores["w1"].Str("kind"));
        Assert.True(stores["w1"].GetProperty("shipsOnline").GetBoolean());
        Assert.Equal("STORE", stores["s1"].Str("kind"));
        Assert.True(stores["s1"].GetProperty("pickupEnabled").GetBoolean());
        var page = after.Ok()["products"].EnumerateArray().Select(p => p.Str("sku")!).ToList();
        Assert.NotEmpty(page);
        Assert.All(page, s => Assert.True(string.CompareOrdinal(s, smaller) > 0, $"{s} is not after {smaller}"));
    }

    [Fact]
    public async Task Stock_availability_and_nearest_stores()
    {
        var sku = await omni.NewProduct(5, ("w1", 10), ("s1", 5));
        await omni.A.Send("""
            mutation($sku: ID!) { setStockCount(storeId: "s1", sku: $sku, onHand: 7, movementId: "count-1") { stock { onHand } errors { code } } }
            """, new { sku }, omni.OpsToken);

        var stock = await omni.A.Send("""
            query($sku: ID!) {
              stock(sku: $sku, storeId: "s1") { sku storeId onHand reserved safetyStock available version updatedAt }
              nowhere: stock(sku: $sku, storeId: "nowhere") { sku }
              unknown: stock(sku: "NO-SUCH-SKU", storeId: "s1") { sku }
            }
            """, new { sku });
        // The SKU view is fed by the locations one-way after each durable write: wait for it to settle.
        var network = await Eventually.Get(() => omni.A.Send("""
            query($sku: ID!) {
              availability(sku: $sku) { sku onlineAvailable totalAvailable locations { storeId available } }
              availabilities(skus: [$sku, "NO-SUCH-SKU", $sku]) { sku totalAvailable }
              nearestStoresWithStock(sku: $sku, quantity: 2, latitude: 53.0, longitude: 10.0) { store { id } available distanceKm }
            }
            """, new { sku }), r => r.Ok()["availability.totalAvailable"].GetInt32() == 17, Settle, "availability settles");

        var level = stock.Ok()["stock"];
        Assert.Equal(7, level.Int("onHand"));
        Assert.Equal(7, level.Int("available"));
        Assert.Equal(2, level.Int("version")); // received 5, then counted 7: two changes at s1
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", level.Str("updatedAt"));
        Assert.Equal(JsonValueKind.Null, stock["nowhere"].ValueKind);
        Assert.Equal(JsonValueKind.Null, stock["unknown"].ValueKind);
        Assert.Equal(10, network["availability.onlineAvailable"].GetInt32());
        Assert.Equal(["s1", "w1"], network["availability.locations"].EnumerateArray().Select(l => l.Str("storeId")).Order());
        Assert.Equal([17, 0, 17], network["availabilities"].EnumerateArray().Select(a => a.Int("totalAvailable")));
        Assert.Equal([sku, "NO-SUCH-SKU", sku], network["availabilities"].EnumerateArray().Select(a => a.Str("sku")));
        var nearest = network["nearestStoresWithStock"].EnumerateArray().ToList();
        Assert.Equal("s1", Assert.Single(nearest).GetProperty("store").Str("id")); // the warehouse is no store
        // Great-circle distance from (53.0, 10.0) to Hamburg (53.5511, 9.9937), worked out independently: 61.28 km.
        Assert.Equal(61.28, nearest[0].GetProperty("distanceKm").GetDouble(), precision: 2);
    }

    [Fact]
    public async Task Point_of_sale_reserves_commits_releases_sells_and_takes_returns_idempotently()
    {
        var sku = await omni.NewProduct(3, ("s1", 20));
        var staff = await omni.StaffToken("s1");
        const string Reserve = """
            mutation($sku: ID!, $id: ID!, $quantity: Int!) {
              reserveStock(storeId: "s1", sku: $sku, quantity: $quantity, reservationId: $id) {
                reservation { id sku storeId quantity expiresAt owner } stock { onHand reserved available } errors { code }
              }
            }
            """;

        var reserved = await omni.A.Send(Reserve, new { sku, id = "till-1", quantity = 4 }, staff);
        var again = await omni.A.Send(Reserve, new { sku, id = "till-1", quantity = 4 }, staff);
        var committed = await omni.A.Send("""
            mutation($sku: ID!) { commitReservation(storeId: "s1", sku: $sku, reservationId: "till-1") { stock { onHand reserved } errors { code } } }
            """, new { sku }, staff);
        await omni.A.Send(Reserve, new { sku, id = "till-2", quantity = 2 }, staff);
        var released = await omni.A.Send("""
            mutation($sku: ID!) { releaseReservation(storeId: "s1", sku: $sku, reservationId: "till-2") { stock { onHand reserved } errors { code } } }
            """, new { sku }, staff);
        const string Sale = """
            mutation($sku: ID!) { recordSale(storeId: "s1", sku: $sku, quantity: 3, saleId: "sale-1") { stock { onHand } errors { code } } }
            """;
        var sold = await omni.A.Send(Sale, new { sku }, staff);
        var soldAgain = await omni.A.Send(Sale, new { sku }, staff);
        var returned = await omni.A.Send("""
            mutation($sku: ID!) { recordReturn(storeId: "s1", sku: $sku, quantity: 1, returnId: "return-1") { stock { onHand } errors { code } } }
            """, new { sku }, staff);

        var reservation = reserved.Ok()["reserveStock.reservation"];
        Assert.Equal("till-1", reservation.Str("id"));
        Assert.Equal("pos:s1", reservation.Str("owner"));
        Assert.Equal(4, reservation.Int("quantity"));
        Assert.True(DateTimeOffset.Parse(reservation.Str("expiresAt")!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddSeconds(800));
        Assert.Equal(16, reserved["reserveStock.stock.available"].GetInt32());
        Assert.Equal(16, again.Ok()["reserveStock.stock.available"].GetInt32());
        Assert.Equal(16, committed.Ok()["commitReservation.stock.onHand"].GetInt32());
        Assert.Equal(0, released.Ok()["releaseReservation.stock.reserved"].GetInt32());
        Assert.Equal(13, sold.Ok()["recordSale.stock.onHand"].GetInt32());
        Assert.Equal(13, soldAgain.Ok()["recordSale.stock.onHand"].GetInt32());
        Assert.Equal(14, returned.Ok()["recordReturn.stock.onHand"].GetInt32());
    }

    [Fact]
    public async Task An_anonymous_shopper_fills_a_cart_checks_out_and_cancels_the_order()
    {
        var sku = await omni.NewProduct(2.5, ("w1", 10), ("s1", 10));
        var started = await omni.A.Send("mutation { startSession(channel: WEB) { session { id channel customerId cartId startedAt lastSeenAt } errors { code } } }");
        var session = started.Ok()["startSession.session"];
        var (sessionId, cartId) = (session.Str("id"), session.Str("cartId"));

        var shipped = await omni.A.Send($$"""
            mutation($cartId: ID!, $sku: ID!, $sessionId: ID) {
              addCartLine(cartId: $cartId, sku: $sku, quantity: 2, sessionId: $sessionId, expectedVersion: 1) { cart { {{CartFields}} } errors { code } }
            }
            """, new { cartId, sku, sessionId });
        var pickup = await omni.A.Send($$"""
            mutation($cartId: ID!, $sku: ID!) {
              addCartLine(cartId: $cartId, sku: $sku, quantity: 1, fulfillment: { kind: PICKUP, storeId: "s1" }) { cart { {{CartFields}} } errors { code } }
            }
            """, new { cartId, sku });
        var lines = pickup.Ok()["addCartLine.cart.lines"].EnumerateArray().ToList();
        var (shipLine, pickupLine) = (lines.Single(l => l.Str("fulfillment") == "SHIP").Str("id"), lines.Single(l => l.Str("fulfillment") == "PICKUP").Str("id"));
        var more = await omni.A.Send($$"""
            mutation($cartId: ID!, $lineId: ID!) { setCartLineQuantity(cartId: $cartId, lineId: $lineId, quantity: 3) { cart { {{CartFields}} } errors { code } } }
            """, new { cartId, lineId = shipLine });
        var removed = await omni.A.Send($$"""
            mutation($cartId: ID!, $lineId: ID!) { removeCartLine(cartId: $cartId, lineId: $lineId) { cart { {{CartFields}} } errors { code } } }
            """, new { cartId, lineId = pickupLine });
        var read = await omni.B.Send($$"""query($id: ID!, $sessionId: ID!) { cart(id: $id) { {{CartFields}} } session(id: $sessionId) { id channel cartId } }""",
            new { id = cartId, sessionId });
        const string Checkout = $$"""
            mutation($cartId: ID!) { checkout(cartId: $cartId, idempotencyKey: "checkout-1") { order { {{OrderFields}} } cart { checkedOut orderId } errors { code } } }
            """;
        var checkedOut = await omni.A.Send(Checkout, new { cartId });
        var retried = await omni.B.Send(Checkout, new { cartId });
        var orderId = checkedOut.Ok()["checkout.order.id"].GetString();
        var order = await omni.A.Send($"query($id: ID!) {{ order(id: $id) {{ {OrderFields} }} }}", new { id = orderId });
        var cancelled = await omni.A.Send($"mutation($id: ID!) {{ cancelOrder(orderId: $id) {{ order {{ {OrderFields} }} errors {{ code }} }} }}", new { id = orderId });

        Assert.Equal("WEB", session.Str("channel"));
        Assert.Equal(JsonValueKind.Null, session.GetProperty("customerId").ValueKind);
        var cart = shipped.Ok()["addCartLine.cart"];
        Assert.Equal(2, cart.Int("version"));
        Assert.Equal("WEB", cart.Str("lastChangedBy"));
        var line = cart.GetProperty("lines")[0];
        Assert.Equal("w1", line.Str("storeId"));
        Assert.NotNull(line.Str("reservationId"));
        Assert.NotNull(line.Str("reservedUntil"));
        Assert.Equal(5.0, line.GetProperty("lineTotal").GetDouble());
        Assert.Equal(sku, line.GetProperty("product").Str("sku"));
        Assert.StartsWith("Test product", line.GetProperty("product").Str("name"));
        Assert.Equal("s1", pickup["addCartLine.cart.lines"].EnumerateArray().Single(l => l.Str("id") == pickupLine).Str("storeId"));
        Assert.Equal(4, more.Ok()["setCartLineQuantity.cart.itemCount"].GetInt32());
        Assert.Single(removed.Ok()["removeCartLine.cart.lines"].EnumerateArray());
        Assert.Equal(7.5, read.Ok()["cart.subtotal"].GetDouble());
        Assert.Equal(cartId, read["session.cartId"].GetString());
        Assert.Equal("PLACED", checkedOut["checkout.order.status"].GetString());
        Assert.Equal(7.5, checkedOut["checkout.order.total"].GetDouble());
        Assert.True(checkedOut["checkout.cart.checkedOut"].GetBoolean());
        Assert.Equal(orderId, checkedOut["checkout.cart.orderId"].GetString());
        Assert.Equal(orderId, retried.Ok()["checkout.order.id"].GetString());
        Assert.Equal(cartId, order.Ok()["order.cartId"].GetString());
        Assert.Equal(3, order["order.lines.0.quantity"].GetInt32());
        Assert.Equal("CANCELLED", cancelled.Ok()["cancelOrder.order.status"].GetString());
        Assert.Empty(cancelled.UserErrors("cancelOrder"));
    }

    [Fact]
    public async Task A_customer_signs_in_and_the_anonymous_cart_merges_into_theirs()
    {
        var sku = await omni.NewProduct(4, ("w1", 10));
        var customerId = $"c-{Guid.NewGuid():N}";
        var token = await omni.CustomerToken(customerId);
        var anonymous = (await omni.A.Send("mutation { startSession(channel: APP) { session { id cartId } } }")).Ok()["startSession.session"];
        await omni.A.Send("mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 2) { errors { code } } }",
            new { cartId = anonymous.Str("cartId"), sku });
        var web = await omni.A.Send("mutation { startSession(channel: WEB) { session { id customerId cartId } } }", token: token);
        await omni.A.Send("mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 1) { errors { code } } }",
            new { cartId = web.Ok()["startSession.session.cartId"].GetString(), sku }, token);

        var attached = await omni.A.Send("mutation($id: ID!) { attachCustomer(sessionId: $id) { session { id customerId cartId } errors { code } } }",
            new { id = anonymous.Str("id") }, token);
        var me = await omni.B.Send($$"""{ me { id cart { {{CartFields}} } sessions { id channel } orders { id } } }""", token: token);
        var merged = await omni.A.Send("query($id: ID!) { cart(id: $id) { mergedInto lines { id } } }", new { id = anonymous.Str("cartId") });
        var checkout = await omni.A.Send("mutation($cartId: ID!) { checkout(cartId: $cartId, idempotencyKey: \"k1\") { order { id customerId } errors { code } } }",
            new { cartId = me.Ok()["me.cart.id"].GetString() }, token);
        var after = await omni.A.Send("{ me { cart { id lines { id } } orders { id status } } }", token: token);

        Assert.Equal(customerId, web["startSession.session.customerId"].GetString());
        Assert.Empty(attached.Ok().UserErrors("attachCustomer"));
        Assert.Equal(customerId, attached["attachCustomer.session.customerId"].GetString());
        Assert.Equal(web["startSession.session.cartId"].GetString(), attached["attachCustomer.session.cartId"].GetString());
        Assert.Equal(customerId, me["me.id"].GetString());
        Assert.Equal(3, me["me.cart.itemCount"].GetInt32()); // same SKU and fulfillment: quantities add up
        Assert.Equal(customerId, me["me.cart.customerId"].GetString());
        Assert.Equal(2, me["me.sessions"].GetArrayLength());
        Assert.Equal(me["me.cart.id"].GetString(), merged.Ok()["cart.mergedInto"].GetString());
        var orderId = checkout.Ok()["checkout.order.id"].GetString();
        Assert.Equal(customerId, checkout["checkout.order.customerId"].GetString());
        Assert.NotEqual(me["me.cart.id"].GetString(), after.Ok()["me.cart.id"].GetString());
        Assert.Empty(after["me.cart.lines"].EnumerateArray());
        Assert.Equal(orderId, after["me.orders.0.id"].GetString());
    }

    [Fact]
    public async Task Unknown_or_malformed_ids_read_as_null()
    {
        var unknown = await omni.A.Send("""
            query($guid: ID!) {
              malformed: cart(id: "not-a-cart") { id }
              cart(id: $guid) { id }
              order(id: $guid) { id }
              badOrder: order(id: "x") { id }
              session(id: "no-such-session") { id }
            }
            """, new { guid = Guid.NewGuid() });

        unknown.Ok();
        foreach (var field in new[] { "malformed", "cart", "order", "badOrder", "session" })
        {
            Assert.Equal(JsonValueKind.Null, unknown[field].ValueKind);
        }
    }
}
