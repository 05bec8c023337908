namespace Omni.Tests.Api;

/// <summary>The double-order defect as it was found, through the public API over HTTP.</summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class CheckoutApiTests(OmniApiFixture omni)
{
    [Fact]
    public async Task Ops_cannot_sell_a_carts_pickup_hold_so_the_checkout_is_the_one_sale()
    {
        var sku = await omni.NewProduct(4, ("s1", 5));
        var customer = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }", token: customer)).Ok()["startSession.session.cartId"].GetString();
        var added = await omni.A.Send("""
            mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 2, fulfillment: { kind: PICKUP, storeId: "s1" }) { cart { lines { reservationId } } errors { code } } }
            """, new { cartId, sku }, customer);
        var reservationId = added.Ok()["addCartLine.cart.lines.0.reservationId"].GetString();

        var opsCommit = await omni.A.Send("""
            mutation($sku: ID!, $id: ID!) { commitReservation(storeId: "s1", sku: $sku, reservationId: $id) { stock { onHand } errors { code } } }
            """, new { sku, id = reservationId }, omni.OpsToken);
        var checkout = await omni.A.Send("""
            mutation($cartId: ID!) { checkout(cartId: $cartId, idempotencyKey: "k1") { order { status } errors { code } } }
            """, new { cartId }, customer);
        var stock = await omni.A.Send("query($sku: ID!) { stock(sku: $sku, storeId: \"s1\") { onHand reserved } }", new { sku });

        Assert.Equal(["CONFLICT"], opsCommit.Ok().UserErrors("commitReservation"));
        Assert.Equal(5, opsCommit["commitReservation.stock.onHand"].GetInt32());
        Assert.Empty(checkout.Ok().UserErrors("checkout"));
        Assert.Equal("PLACED", checkout["checkout.order.status"].GetString());
        Assert.Equal((3, 0), (stock.Ok()["stock.onHand"].GetInt32(), stock["stock.reserved"].GetInt32()));
    }

    [Fact]
    public async Task Another_customers_cart_is_refused_by_the_grain_without_saying_what_is_in_it()
    {
        var sku = await omni.NewProduct(4, ("w1", 5));
        var owner = await omni.CustomerToken($"o-{Guid.NewGuid():N}");
        var stranger = await omni.CustomerToken($"s-{Guid.NewGuid():N}");
        var session = (await omni.A.Send("mutation { startSession(channel: APP) { session { id cartId } } }", token: owner)).Ok()["startSession.session"];
        var (sessionId, cartId) = (session.GetProperty("id").GetString(), session.GetProperty("cartId").GetString());
        const string Add = "mutation($cartId: ID!, $sku: ID!, $sessionId: ID) { addCartLine(cartId: $cartId, sku: $sku, quantity: 1, sessionId: $sessionId) { cart { version lastChangedBy } errors { code } } }";

        var byStranger = await omni.A.Send(Add, new { cartId, sku, sessionId = (string?)null }, stranger);
        var anonymous = await omni.A.Send(Add, new { cartId, sku, sessionId = (string?)null });
        var byOwner = await omni.A.Send(Add, new { cartId, sku, sessionId }, owner);

        Assert.Equal(["FORBIDDEN"], byStranger.ErrorCodes);
        Assert.DoesNotContain("lines", byStranger.ToString());
        Assert.Equal(["UNAUTHENTICATED"], anonymous.ErrorCodes);
        Assert.Empty(byOwner.Ok().UserErrors("addCartLine"));
        Assert.Equal("APP", byOwner["addCartLine.cart.lastChangedBy"].GetString());
    }
}
