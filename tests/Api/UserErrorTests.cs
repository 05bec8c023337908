namespace Omni.Tests.Api;

/// <summary>Each domain refusal comes back in the payload's errors with its contract code, never as a GraphQL error.</summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class UserErrorTests(OmniApiFixture omni)
{
    private const string Reserve = """
        mutation($storeId: ID!, $sku: ID!, $quantity: Int!, $id: ID!, $ttl: Int) {
          reserveStock(storeId: $storeId, sku: $sku, quantity: $quantity, reservationId: $id, ttlSeconds: $ttl) {
            reservation { id } stock { onHand } errors { code message field }
          }
        }
        """;

    private const string AddLine = """
        mutation($cartId: ID!, $sku: ID!, $quantity: Int!, $expectedVersion: Int) {
          addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity, expectedVersion: $expectedVersion) { cart { id version } errors { code message field } }
        }
        """;

    [Fact]
    public async Task INSUFFICIENT_STOCK_when_a_hold_does_not_fit()
    {
        var sku = await omni.NewProduct(1, ("s1", 3));

        var refused = await omni.A.Send(Reserve, new { storeId = "s1", sku, quantity = 4, id = "r1" }, omni.OpsToken);

        Assert.Equal(["INSUFFICIENT_STOCK"], refused.Ok().UserErrors("reserveStock"));
        Assert.Equal(3, refused["reserveStock.stock.onHand"].GetInt32());
    }

    [Fact]
    public async Task CONFLICT_when_a_reservation_id_is_reused_for_other_terms()
    {
        var sku = await omni.NewProduct(1, ("s1", 5));
        await omni.A.Send(Reserve, new { storeId = "s1", sku, quantity = 1, id = "r1" }, omni.OpsToken);

        var refused = await omni.A.Send(Reserve, new { storeId = "s1", sku, quantity = 2, id = "r1" }, omni.OpsToken);

        Assert.Equal(["CONFLICT"], refused.Ok().UserErrors("reserveStock"));
    }

    [Fact]
    public async Task INVALID_ARGUMENT_for_a_quantity_out_of_range()
    {
        var sku = await omni.NewProduct(1, ("s1", 5));
        var cartId = await NewCart();

        var hold = await omni.A.Send(Reserve, new { storeId = "s1", sku, quantity = 0, id = "r1" }, omni.OpsToken);
        var line = await omni.A.Send(AddLine, new { cartId, sku, quantity = 0 });

        Assert.Equal(["INVALID_ARGUMENT"], hold.Ok().UserErrors("reserveStock"));
        Assert.Equal(["INVALID_ARGUMENT"], line.Ok().UserErrors("addCartLine"));
    }

    [Fact]
    public async Task NOT_FOUND_for_unknown_products_locations_carts_and_orders()
    {
        var cartId = await NewCart();

        var line = await omni.A.Send(AddLine, new { cartId, sku = "NO-SUCH-SKU", quantity = 1 });
        var hold = await omni.A.Send(Reserve, new { storeId = "s1", sku = "NO-SUCH-SKU", quantity = 1, id = "r1" }, omni.OpsToken);
        var nowhere = await omni.A.Send(Reserve, new { storeId = "nowhere", sku = "NO-SUCH-SKU", quantity = 1, id = "r1" }, omni.OpsToken);
        var checkout = await omni.A.Send("mutation($id: ID!) { checkout(cartId: $id, idempotencyKey: \"k\") { errors { code } } }", new { id = Guid.NewGuid() });
        var cancel = await omni.A.Send("mutation { cancelOrder(orderId: \"no-order\") { order { id } errors { code } } }");

        Assert.Equal(["NOT_FOUND"], line.Ok().UserErrors("addCartLine"));
        Assert.Equal(["NOT_FOUND"], hold.Ok().UserErrors("reserveStock"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, hold["reserveStock.stock"].ValueKind);
        Assert.Equal(["NOT_FOUND"], nowhere.Ok().UserErrors("reserveStock"));
        Assert.Equal(["NOT_FOUND"], checkout.Ok().UserErrors("checkout"));
        Assert.Equal(["NOT_FOUND"], cancel.Ok().UserErrors("cancelOrder"));
    }

    [Fact]
    public async Task VERSION_CONFLICT_when_the_cart_moved_on()
    {
        var sku = await omni.NewProduct(1, ("w1", 5));
        var cartId = await NewCart();

        var refused = await omni.A.Send(AddLine, new { cartId, sku, quantity = 1, expectedVersion = 7 });

        Assert.Equal(["VERSION_CONFLICT"], refused.Ok().UserErrors("addCartLine"));
        Assert.Equal(1, refused["addCartLine.cart.version"].GetInt32());
    }

    [Fact]
    public async Task ALREADY_CHECKED_OUT_for_a_change_after_checkout()
    {
        var sku = await omni.NewProduct(1, ("w1", 5));
        var cartId = await NewCart();
        await omni.A.Send(AddLine, new { cartId, sku, quantity = 1 });
        var checkout = await omni.A.Send("mutation($id: ID!) { checkout(cartId: $id, idempotencyKey: \"k\") { errors { code } } }", new { id = cartId });

        var refused = await omni.A.Send(AddLine, new { cartId, sku, quantity = 1 });

        Assert.Empty(checkout.Ok().UserErrors("checkout"));
        Assert.Equal(["ALREADY_CHECKED_OUT"], refused.Ok().UserErrors("addCartLine"));
    }

    [Fact]
    public async Task RESERVATION_EXPIRED_when_committing_a_lapsed_hold()
    {
        var sku = await omni.NewProduct(1, ("s1", 5));
        var held = await omni.A.Send(Reserve, new { storeId = "s1", sku, quantity = 2, id = "short", ttl = 1 }, omni.OpsToken);
        Assert.Empty(held.Ok().UserErrors("reserveStock"));
        // The location's expiry timer returns the units; wait until it has.
        await Eventually.True(async () => (await omni.A.Send("query($sku: ID!) { stock(sku: $sku, storeId: \"s1\") { reserved } }", new { sku }))
            .Ok()["stock.reserved"].GetInt32() == 0, TimeSpan.FromSeconds(30), "the hold lapses");

        var refused = await omni.A.Send("""
            mutation($sku: ID!) { commitReservation(storeId: "s1", sku: $sku, reservationId: "short") { stock { onHand } errors { code } } }
            """, new { sku }, omni.OpsToken);

        Assert.Equal(["RESERVATION_EXPIRED"], refused.Ok().UserErrors("commitReservation"));
    }

    private async Task<string> NewCart() =>
        (await omni.A.Send("mutation { startSession(channel: KIOSK) { session { cartId } } }")).Ok()["startSession.session.cartId"].GetString()!;
}
