using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>
/// Subscriptions over real WebSockets: the current state first, then each change in version order,
/// from any channel and through any API node.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class LiveUpdateTests(OmniApiFixture omni)
{
    private const string AddLine = """
        mutation($cartId: ID!, $sku: ID!, $quantity: Int!, $sessionId: ID) {
          addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity, sessionId: $sessionId) { cart { version } errors { code } }
        }
        """;

    [Fact]
    public async Task A_line_added_on_the_web_reaches_the_shoppers_app()
    {
        var sku = await omni.NewProduct(3, ("w1", 10));
        var customerId = $"c-{Guid.NewGuid():N}";
        var token = await omni.CustomerToken(customerId);
        var web = (await omni.A.Send("mutation { startSession(channel: WEB) { session { id cartId } } }", token: token)).Ok()["startSession.session"];
        var app = (await omni.A.Send("mutation { startSession(channel: APP) { session { id cartId } } }", token: token)).Ok()["startSession.session"];
        var cartId = app.Str("cartId");
        await using var socket = await OmniApiFixture.Socket(omni.A, token);
        await socket.Subscribe("cart", $"subscription {{ cartUpdated(cartId: \"{cartId}\") {{ id version itemCount lastChangedBy lines {{ sku quantity product {{ name }} }} }} }}");
        var first = await socket.Next("cart", "cartUpdated");

        var added = await omni.A.Send(AddLine, new { cartId = web.Str("cartId"), sku, quantity = 2, sessionId = web.Str("id") }, token);
        var change = await socket.Next("cart", "cartUpdated");

        Assert.Equal(cartId, web.Str("cartId"));
        Assert.Equal(cartId, first.Str("id"));
        Assert.Equal(0, first.Int("itemCount"));
        Assert.Equal(added.Ok()["addCartLine.cart.version"].GetInt32(), change.Int("version"));
        Assert.Equal(first.Int("version") + 1, change.Int("version"));
        Assert.Equal("WEB", change.Str("lastChangedBy"));
        Assert.Equal(sku, change.GetProperty("lines")[0].Str("sku"));
        Assert.StartsWith("Test product", change.GetProperty("lines")[0].GetProperty("product").Str("name"));
    }

    [Fact]
    public async Task A_change_made_through_one_api_node_reaches_a_subscriber_on_the_other()
    {
        var sku = await omni.NewProduct(1, ("w1", 50));
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }")).Ok()["startSession.session.cartId"].GetString();
        await using var onB = await OmniApiFixture.Socket(omni.B);
        await using var alsoOnB = await OmniApiFixture.Socket(omni.B);
        var subscription = $"subscription {{ cartUpdated(cartId: \"{cartId}\") {{ version itemCount }} }}";
        await onB.Subscribe("1", subscription);
        await alsoOnB.Subscribe("1", subscription);
        var initial = (await onB.Next("1", "cartUpdated")).Int("version");
        await alsoOnB.Next("1", "cartUpdated");

        for (var i = 1; i <= 3; i++)
        {
            (await omni.A.Send(AddLine, new { cartId, sku, quantity = 1 })).Ok();
        }
        var versions = new List<int>();
        var last = await onB.NextUntil("1", "cartUpdated", c => { versions.Add(c.Int("version")); return c.Int("itemCount") == 3; });
        var other = await alsoOnB.NextUntil("1", "cartUpdated", c => c.Int("itemCount") == 3);

        Assert.Equal(initial + 3, last.Int("version"));
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Distinct(), versions);
        Assert.Equal(last.Int("version"), other.Int("version"));
    }

    [Fact]
    public async Task My_cart_follows_the_customer_to_the_next_cart_after_checkout()
    {
        var sku = await omni.NewProduct(1, ("w1", 10));
        var token = await omni.CustomerToken($"c-{Guid.NewGuid():N}");
        var cartId = (await omni.A.Send("mutation { startSession(channel: APP) { session { cartId } } }", token: token)).Ok()["startSession.session.cartId"].GetString();
        await using var socket = await OmniApiFixture.Socket(omni.B, token);
        await socket.Subscribe("mine", "subscription { myCartUpdated { id version itemCount checkedOut } }");
        Assert.Equal(cartId, (await socket.Next("mine", "myCartUpdated")).Str("id"));

        await omni.A.Send(AddLine, new { cartId, sku, quantity = 1 }, token);
        var withLine = await socket.NextUntil("mine", "myCartUpdated", c => c.Int("itemCount") == 1);
        (await omni.A.Send("mutation($cartId: ID!) { checkout(cartId: $cartId, idempotencyKey: \"k\") { errors { code } } }", new { cartId }, token)).Ok();
        var closed = await socket.NextUntil("mine", "myCartUpdated", c => c.GetProperty("checkedOut").GetBoolean());
        var next = await socket.NextUntil("mine", "myCartUpdated", c => c.Str("id") != cartId);
        var me = await omni.A.Send("{ me { cart { id } } }", token: token);

        Assert.Equal(cartId, withLine.Str("id"));
        Assert.Equal(cartId, closed.Str("id"));
        Assert.Equal(me.Ok()["me.cart.id"].GetString(), next.Str("id"));
        Assert.Equal(0, next.Int("itemCount"));
        Assert.False(next.GetProperty("checkedOut").GetBoolean());
    }

    [Fact]
    public async Task Stock_changes_arrive_for_one_location_or_every_location_of_a_sku()
    {
        var sku = await omni.NewProduct(1, ("w1", 10), ("s1", 4));
        // The SKU view learns of both locations one-way after their writes.
        await Eventually.True(async () => (await omni.A.Send("query($sku: ID!) { availability(sku: $sku) { locations { storeId } } }", new { sku }))
            .Ok()["availability.locations"].GetArrayLength() == 2, TimeSpan.FromSeconds(30), "both locations known");
        await using var socket = await OmniApiFixture.Socket(omni.A);
        await socket.Subscribe("s1", $"subscription {{ stockChanged(sku: \"{sku}\", storeId: \"s1\") {{ storeId onHand version }} }}");
        var s1 = await socket.Next("s1", "stockChanged");
        await using var everywhere = await OmniApiFixture.Socket(omni.B);
        await everywhere.Subscribe("all", $"subscription {{ stockChanged(sku: \"{sku}\") {{ storeId onHand version }} }}");
        var initial = new[] { await everywhere.Next("all", "stockChanged"), await everywhere.Next("all", "stockChanged") };

        await omni.Receive(sku, "s1", 3);
        var changed = await socket.NextUntil("s1", "stockChanged", l => l.Int("onHand") == 7);
        await omni.Receive(sku, "w1", 1);
        var seen = new List<JsonElement>();
        await everywhere.NextUntil("all", "stockChanged", l =>
        {
            seen.Add(l);
            return seen.Any(x => x.Str("storeId") == "s1" && x.Int("onHand") == 7) && seen.Any(x => x.Str("storeId") == "w1" && x.Int("onHand") == 11);
        });

        Assert.Equal(4, s1.Int("onHand"));
        Assert.Equal(["s1", "w1"], initial.Select(l => l.Str("storeId")).Order());
        Assert.Equal(s1.Int("version") + 1, changed.Int("version"));
    }

    [Fact]
    public async Task An_order_subscriber_sees_it_placed_then_cancelled()
    {
        var sku = await omni.NewProduct(1, ("w1", 10));
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }")).Ok()["startSession.session.cartId"].GetString();
        await omni.A.Send(AddLine, new { cartId, sku, quantity = 1 });
        var orderId = (await omni.A.Send("mutation($cartId: ID!) { checkout(cartId: $cartId, idempotencyKey: \"k\") { order { id } } }", new { cartId }))
            .Ok()["checkout.order.id"].GetString();
        await using var socket = await OmniApiFixture.Socket(omni.B);
        await socket.Subscribe("order", $"subscription {{ orderUpdated(orderId: \"{orderId}\") {{ id status version }} }}");
        var placed = await socket.Next("order", "orderUpdated");

        (await omni.A.Send("mutation($id: ID!) { cancelOrder(orderId: $id) { errors { code } } }", new { id = orderId })).Ok();
        var cancelled = await socket.NextUntil("order", "orderUpdated", o => o.Str("status") == "CANCELLED");

        Assert.Equal("PLACED", placed.Str("status"));
        Assert.True(cancelled.Int("version") > placed.Int("version"));
    }

    [Fact]
    public async Task Subscribing_to_something_that_does_not_exist_is_an_error()
    {
        await using var socket = await OmniApiFixture.Socket(omni.A);

        await socket.Subscribe("1", $"subscription {{ cartUpdated(cartId: \"{Guid.NewGuid()}\") {{ id }} }}");
        Assert.Equal(["NOT_FOUND"], await socket.Error("1"));
        await socket.Subscribe("2", "subscription { stockChanged(sku: \"NO-SUCH-SKU\") { onHand } }");
        Assert.Equal(["NOT_FOUND"], await socket.Error("2"));
    }
}
