using System.Text.Json;
using Omni.Tests.Api;

namespace Omni.Tests.Wallets;

/// <summary>
/// The wallet and the timeline end to end: real silo, two API nodes, HTTP and WebSocket. Points
/// come from till sales naming the customer (1 point per unit of currency).
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class WalletApiTests(OmniApiFixture omni)
{
    private const string Sale = """
        mutation($sku: ID!, $quantity: Int!, $saleId: ID!, $customerId: ID) {
          recordSale(storeId: "s1", sku: $sku, quantity: $quantity, saleId: $saleId, customerId: $customerId) { stock { onHand } errors { code } }
        }
        """;
    private const string Redeem = """
        mutation($customerId: ID!, $points: Int!, $id: ID!) {
          redeemPoints(points: $points, redemptionId: $id, customerId: $customerId, storeId: "s1") { wallet { points version } errors { code } }
        }
        """;
    private const string TopUp = """
        mutation($amount: Float!, $key: ID!) { topUpWallet(amount: $amount, idempotencyKey: $key) { wallet { balance points version } errors { code field } } }
        """;
    private const string Charge = """
        mutation($customerId: ID!, $amount: Float!, $id: ID!) {
          chargeWallet(customerId: $customerId, storeId: "s1", amount: $amount, chargeId: $id) { wallet { balance version } errors { code } }
        }
        """;
    private const string Profile = """
        query($id: ID!) { customer(id: $id) { id wallet { balance points version } timeline(first: 50) { id kind storeId amount points channel summary } } }
        """;

    [Fact]
    public async Task A_hundred_concurrent_redemptions_of_10_points_against_500_through_two_api_nodes_grant_exactly_50()
    {
        var customerId = $"c-{Guid.NewGuid():N}";
        var staff = await omni.StaffToken("s1");
        var sku = await omni.NewProduct(500, ("s1", 1));
        (await omni.A.Send(Sale, new { sku, quantity = 1, saleId = $"sale-{customerId}", customerId }, staff)).Ok();

        var calls = Enumerable.Range(0, 100).Select(i =>
            (i % 2 == 0 ? omni.A : omni.B).Send(Redeem, new { customerId, points = 10, id = $"r{i}" }, staff));
        var results = await Task.WhenAll(calls);

        var codes = results.Select(r => r.Ok().UserErrors("redeemPoints")).ToList();
        Assert.Equal(50, codes.Count(c => c.Count == 0));
        Assert.Equal(50, codes.Count(c => c.SequenceEqual(["INSUFFICIENT_FUNDS"])));
        var granted = results.Where(r => r.UserErrors("redeemPoints").Count == 0).Select(r => r["redeemPoints.wallet.version"].GetInt32()).Order();
        Assert.Equal(Enumerable.Range(2, 50), granted); // version 1 is the sale's points; each redemption one version
        var wallet = (await omni.B.Send(Profile, new { id = customerId }, staff)).Ok()["customer.wallet"];
        Assert.Equal((0, 51), (wallet.Int("points"), wallet.Int("version")));
    }

    [Fact]
    public async Task Top_ups_and_charges_are_exact_idempotent_refused_beyond_the_balance_and_live_on_every_device_and_till()
    {
        var customerId = $"c-{Guid.NewGuid():N}";
        var customer = await omni.CustomerToken(customerId);
        var staff = await omni.StaffToken("s1");
        await using var phone = await OmniApiFixture.Socket(omni.A, customer);
        await using var laptop = await OmniApiFixture.Socket(omni.B, customer);
        await using var till = await OmniApiFixture.Socket(omni.B, staff);
        await phone.Subscribe("w", "subscription { myWalletUpdated { customerId balance version } }");
        await laptop.Subscribe("w", "subscription { myWalletUpdated { customerId balance version } }");
        await till.Subscribe("w", $"subscription {{ walletUpdated(customerId: \"{customerId}\") {{ customerId balance version }} }}");
        foreach (var (socket, field) in new[] { (phone, "myWalletUpdated"), (laptop, "myWalletUpdated"), (till, "walletUpdated") })
        {
            Assert.Equal(0, (await socket.Next("w", field)).Int("version"));
        }

        var first = await omni.A.Send(TopUp, new { amount = 10.10, key = "k1" }, customer);
        var retry = await omni.B.Send(TopUp, new { amount = 10.10, key = "k1" }, customer);
        var reused = await omni.A.Send(TopUp, new { amount = 5, key = "k1" }, customer);
        var tooPrecise = await omni.A.Send(TopUp, new { amount = 1.001, key = "k2" }, customer);
        var charged = await omni.B.Send(Charge, new { customerId, amount = 2.55, id = "ch1" }, staff);
        var overdrawn = await omni.A.Send(Charge, new { customerId, amount = 7.56, id = "ch2" }, staff);

        Assert.Empty(first.Ok().UserErrors("topUpWallet"));
        Assert.Equal((10.10, 1), (first["topUpWallet.wallet.balance"].GetDouble(), first["topUpWallet.wallet.version"].GetInt32()));
        Assert.Equal(first["topUpWallet.wallet"].ToString(), retry.Ok()["topUpWallet.wallet"].ToString());
        Assert.Equal(["CONFLICT"], reused.Ok().UserErrors("topUpWallet"));
        Assert.Equal(["INVALID_ARGUMENT"], tooPrecise.Ok().UserErrors("topUpWallet"));
        Assert.Equal((7.55, 2), (charged.Ok()["chargeWallet.wallet.balance"].GetDouble(), charged["chargeWallet.wallet.version"].GetInt32()));
        Assert.Equal(["INSUFFICIENT_FUNDS"], overdrawn.Ok().UserErrors("chargeWallet"));
        Assert.Equal(7.55, overdrawn["chargeWallet.wallet.balance"].GetDouble());
        foreach (var (socket, field) in new[] { (phone, "myWalletUpdated"), (laptop, "myWalletUpdated"), (till, "walletUpdated") })
        {
            var one = await socket.Next("w", field);
            var two = await socket.Next("w", field);
            Assert.Equal((customerId, 1, 10.10), (one.Str("customerId"), one.Int("version"), one.GetProperty("balance").GetDouble()));
            Assert.Equal((2, 7.55), (two.Int("version"), two.GetProperty("balance").GetDouble()));
        }
    }

    [Fact]
    public async Task A_till_sale_naming_the_customer_is_on_the_call_centres_timeline_and_the_app_once_even_when_retried()
    {
        var customerId = $"c-{Guid.NewGuid():N}";
        var customer = await omni.CustomerToken(customerId);
        var staff = await omni.StaffToken("s1");
        var sku = await omni.NewProduct(12.75, ("s1", 5));
        await using var app = await OmniApiFixture.Socket(omni.B, customer);
        await app.Subscribe("t", "subscription { myTimelineUpdated { id kind storeId amount points } }");

        (await omni.A.Send(Sale, new { sku, quantity = 2, saleId = "till-1", customerId }, staff)).Ok();
        var retried = await omni.B.Send(Sale, new { sku, quantity = 2, saleId = "till-1", customerId }, staff);
        var live = await app.Next("t", "myTimelineUpdated");
        var seen = await Eventually.Get(() => omni.A.Send(Profile, new { id = customerId }, staff),
            r => r.Ok()["customer.timeline"].GetArrayLength() > 0, TimeSpan.FromSeconds(30), "the sale on the timeline");

        Assert.Empty(retried.Ok().UserErrors("recordSale"));
        Assert.Equal(3, retried["recordSale.stock.onHand"].GetInt32());
        var entry = Assert.Single(seen["customer.timeline"].EnumerateArray());
        Assert.Equal(("STORE_SALE", "s1", 25.5, 25, "POS"),
            (entry.Str("kind"), entry.Str("storeId"), entry.GetProperty("amount").GetDouble(), entry.Int("points"), entry.Str("channel")));
        Assert.Equal((entry.Str("id"), "STORE_SALE", 25), (live.Str("id"), live.Str("kind"), live.Int("points")));
        Assert.Equal((25, 1), (seen["customer.wallet.points"].GetInt32(), seen["customer.wallet.version"].GetInt32()));
        var mine = (await omni.B.Send("{ me { wallet { points } timeline { id kind } } }", token: customer)).Ok();
        Assert.Equal(25, mine["me.wallet.points"].GetInt32());
        Assert.Equal(entry.Str("id"), Assert.Single(mine["me.timeline"].EnumerateArray()).Str("id"));
    }

    [Fact]
    public async Task Looking_up_a_customer_Omni_has_never_seen_is_null_and_writes_nothing()
    {
        var staff = await omni.StaffToken("s1");
        var madeUp = $"nobody-{Guid.NewGuid():N}";

        var answer = await omni.A.Send(Profile, new { id = madeUp }, staff);

        Assert.Equal(JsonValueKind.Null, answer.Ok()["customer"].ValueKind);
        await using var database = Npgsql.NpgsqlDataSource.Create(omni.ConnectionString);
        await using var count = database.CreateCommand("SELECT count(*) FROM omni_stream WHERE stream LIKE '%' || $1 || '%'");
        count.Parameters.Add(new Npgsql.NpgsqlParameter { Value = madeUp });
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Nothing_of_one_customer_reaches_another_over_http_or_websocket()
    {
        var (aliceId, bobId) = ($"a-{Guid.NewGuid():N}", $"b-{Guid.NewGuid():N}");
        var alice = await omni.CustomerToken(aliceId);
        var bob = await omni.CustomerToken(bobId);
        var staff = await omni.StaffToken("s1");
        var staffElsewhere = await omni.StaffToken("s2");
        await using var bobsPhone = await OmniApiFixture.Socket(omni.A, bob);
        await bobsPhone.Subscribe("w", "subscription { myWalletUpdated { customerId version } }");
        await bobsPhone.Subscribe("t", "subscription { myTimelineUpdated { id kind } }");
        Assert.Equal((bobId, 0), await Read(await bobsPhone.Next("w", "myWalletUpdated")));

        (await omni.A.Send(TopUp, new { amount = 40, key = "a1" }, alice)).Ok();
        (await omni.B.Send(Charge, new { customerId = aliceId, amount = 15, id = "c1" }, staff)).Ok();
        var bobsQuery = await omni.B.Send(Profile, new { id = aliceId }, bob);
        var anonymous = await omni.A.Send(Profile, new { id = aliceId });
        var bobCharges = await omni.A.Send(Charge, new { customerId = aliceId, amount = 1, id = "c2" }, bob);
        var otherStore = await omni.A.Send(Charge, new { customerId = aliceId, amount = 1, id = "c3" }, staffElsewhere);
        var bobRedeems = await omni.A.Send(Redeem, new { customerId = aliceId, points = 1, id = "r1" }, bob);
        await using var bobsSpy = await OmniApiFixture.Socket(omni.B, bob);
        await bobsSpy.Subscribe("x", $"subscription {{ walletUpdated(customerId: \"{aliceId}\") {{ balance }} }}");
        var spied = await bobsSpy.Error("x");
        // Bob's own change arrives on his sockets; nothing of Alice's came before it.
        (await omni.A.Send(TopUp, new { amount = 1, key = "b1" }, bob)).Ok();
        var bobsMe = (await omni.B.Send("{ me { id wallet { customerId balance } timeline { id kind amount } } }", token: bob)).Ok();
        var alicesMe = await Eventually.Get(() => omni.A.Send("{ me { wallet { balance } timeline { kind amount } } }", token: alice),
            r => r.Ok()["me.timeline"].GetArrayLength() == 2, TimeSpan.FromSeconds(30), "Alice's two entries");

        Assert.Equal(["FORBIDDEN"], bobsQuery.ErrorCodes);
        Assert.Equal(["UNAUTHENTICATED"], anonymous.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], bobCharges.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], otherStore.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], bobRedeems.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], spied);
        foreach (var refused in new[] { bobsQuery, anonymous, bobCharges, otherStore, bobRedeems })
        {
            Assert.DoesNotContain("balance\":", refused.ToString());
        }
        Assert.Equal((bobId, 1), await Read(await bobsPhone.Next("w", "myWalletUpdated")));
        Assert.Equal("WALLET_TOPPED_UP", (await bobsPhone.Next("t", "myTimelineUpdated")).Str("kind"));
        Assert.Equal((bobId, 1.0), (bobsMe["me.wallet.customerId"].GetString(), bobsMe["me.wallet.balance"].GetDouble()));
        Assert.Equal(25, alicesMe["me.wallet.balance"].GetDouble());
        Assert.Equal(["WALLET_CHARGED", "WALLET_TOPPED_UP"], alicesMe["me.timeline"].EnumerateArray().Select(e => e.Str("kind")));
        Assert.All(bobsMe["me.timeline"].EnumerateArray(), e => Assert.Equal(1.0, e.GetProperty("amount").GetDouble()));
    }

    [Fact]
    public async Task An_order_earns_points_when_placed_and_a_cancel_or_returns_take_back_exactly_what_it_earned()
    {
        var customerId = $"c-{Guid.NewGuid():N}";
        var customer = await omni.CustomerToken(customerId);
        var staff = await omni.StaffToken("s1");
        var sku = await omni.NewProduct(12.60, ("s1", 10));
        await using var app = await OmniApiFixture.Socket(omni.A, customer);
        await app.Subscribe("w", "subscription { myWalletUpdated { points version } }");
        Assert.Equal(0, (await app.Next("w", "myWalletUpdated")).Int("version"));

        var cancelled = await PlaceOrder(customer, sku, 2);
        var earned = await app.Next("w", "myWalletUpdated");
        (await omni.A.Send("mutation($id: ID!) { cancelOrder(orderId: $id) { order { status } errors { code } } }", new { id = cancelled }, customer)).Ok();
        var reversed = await app.Next("w", "myWalletUpdated");

        var returned = await PlaceOrder(customer, sku, 2);
        var earnedAgain = await app.Next("w", "myWalletUpdated");
        foreach (var move in new[] { "markReadyForPickup", "confirmPickup" })
        {
            (await omni.B.Send($"mutation($id: ID!) {{ {move}(orderId: $id, fulfillmentId: \"f1\") {{ errors {{ code }} }} }}", new { id = returned }, staff)).Ok();
        }
        const string Return = """
            mutation($id: ID!, $returnId: ID!, $sku: ID!) {
              returnOrderLines(orderId: $id, storeId: "s1", returnId: $returnId, lines: [{ sku: $sku, quantity: 1 }]) { order { refundedTotal } errors { code } }
            }
            """;
        (await omni.B.Send(Return, new { id = returned, returnId = "ret-1", sku }, staff)).Ok();
        var partly = await app.Next("w", "myWalletUpdated");
        (await omni.B.Send(Return, new { id = returned, returnId = "ret-1", sku }, staff)).Ok(); // a retry: nothing more
        (await omni.B.Send(Return, new { id = returned, returnId = "ret-2", sku }, staff)).Ok();
        var fully = await app.Next("w", "myWalletUpdated");
        var timeline = await Eventually.Get(() => omni.A.Send(Profile, new { id = customerId }, staff),
            r => r.Ok()["customer.timeline"].GetArrayLength() >= 14, TimeSpan.FromSeconds(30), "every entry of both orders");

        // 25.20 earns 25 points; the cancel takes back 25; the first return of one unit (12.60) 12, the last the 13 left.
        Assert.Equal([(25, 1), (0, 2), (25, 3), (13, 4), (0, 5)],
            new[] { earned, reversed, earnedAgain, partly, fully }.Select(w => (w.Int("points"), w.Int("version"))));
        var kinds = timeline["customer.timeline"].EnumerateArray().Select(e => e.Str("kind")).ToList();
        Assert.Equal(14, kinds.Count);
        Assert.Equal(2, kinds.Count(k => k == "SESSION_STARTED")); // each order's web session
        Assert.Equal(2, kinds.Count(k => k == "ORDER_PLACED"));
        Assert.Equal(1, kinds.Count(k => k == "ORDER_CANCELLED"));
        Assert.Equal(2, kinds.Count(k => k == "POINTS_EARNED"));
        Assert.Equal(3, kinds.Count(k => k == "POINTS_REVERSED"));
        Assert.Equal(2, kinds.Count(k => k == "RETURN"));
        Assert.Equal(2, kinds.Count(k => k == "ORDER_UPDATED"));
        Assert.Equal(kinds.Count, timeline["customer.timeline"].EnumerateArray().Select(e => e.Str("id")).Distinct().Count());
        Assert.Equal([25, -25, 25, -12, -13], timeline["customer.timeline"].EnumerateArray()
            .Where(e => e.Str("kind") is "POINTS_EARNED" or "POINTS_REVERSED").Reverse().Select(e => e.Int("points")));
    }

    [Fact]
    public async Task Sessions_and_sign_ins_on_any_channel_are_on_the_timeline_once_in_order()
    {
        var customerId = $"c-{Guid.NewGuid():N}";
        var customer = await omni.CustomerToken(customerId);
        var staff = await omni.StaffToken("s1");

        (await omni.A.Send("mutation { startSession(channel: WEB) { session { id } } }", token: customer)).Ok();
        var kiosk = (await omni.B.Send("mutation { startSession(channel: KIOSK) { session { id } } }")).Ok()["startSession.session.id"].GetString();
        const string SignIn = "mutation($id: ID!) { attachCustomer(sessionId: $id) { session { customerId } errors { code } } }";
        (await omni.B.Send(SignIn, new { id = kiosk }, customer)).Ok();
        (await omni.A.Send(SignIn, new { id = kiosk }, customer)).Ok(); // again: already signed in, nothing new
        var timeline = await Eventually.Get(() => omni.B.Send(Profile, new { id = customerId }, staff),
            r => r.Ok()["customer.timeline"].GetArrayLength() >= 2, TimeSpan.FromSeconds(30), "both sessions on the timeline");

        Assert.Equal([("SIGNED_IN", "KIOSK"), ("SESSION_STARTED", "WEB")],
            timeline["customer.timeline"].EnumerateArray().Select(e => (e.Str("kind"), e.Str("channel"))));
    }

    [Fact]
    public async Task Points_set_aside_for_a_cart_are_spent_by_its_order_and_given_back_when_it_is_cancelled()
    {
        var customerId = $"c-{Guid.NewGuid():N}";
        var customer = await omni.CustomerToken(customerId);
        var stranger = await omni.CustomerToken($"s-{Guid.NewGuid():N}");
        var staff = await omni.StaffToken("s1");
        (await omni.A.Send(Sale, new { sku = await omni.NewProduct(500, ("s1", 1)), quantity = 1, saleId = $"sale-{customerId}", customerId }, staff)).Ok();
        var sku = await omni.NewProduct(10, ("s1", 5));
        var cartId = await NewCart(customer, sku, 2);
        await using var app = await OmniApiFixture.Socket(omni.B, customer);
        await app.Subscribe("w", "subscription { myWalletUpdated { points version } }");
        Assert.Equal((500, 1), await Points(await app.Next("w", "myWalletUpdated")));
        const string AtCheckout = """
            mutation($cartId: ID!, $points: Int!, $id: ID!) { redeemPoints(points: $points, redemptionId: $id, cartId: $cartId) { wallet { points version } errors { code } } }
            """;

        var held = await omni.A.Send(AtCheckout, new { cartId, points = 300, id = "rd1" }, customer);
        var retried = await omni.B.Send(AtCheckout, new { cartId, points = 300, id = "rd1" }, customer);
        var tooMany = await omni.A.Send(AtCheckout, new { cartId, points = 201, id = "rd2" }, customer);
        var strangers = await omni.A.Send(AtCheckout, new { cartId, points = 1, id = "rd3" }, stranger);
        var atTill = await omni.A.Send(Redeem, new { customerId, points = 201, id = "till-1" }, staff);
        var order = await Checkout(customer, cartId);
        var afterCheckout = await Eventually.Get(() => omni.A.Send(Profile, new { id = customerId }, staff),
            r => r.Ok()["customer.wallet.version"].GetInt32() >= 4, TimeSpan.FromSeconds(30), "the points earned by the order");
        (await omni.B.Send("mutation($id: ID!) { cancelOrder(orderId: $id) { order { status } errors { code } } }", new { id = order.Str("id") }, customer)).Ok();
        var afterCancel = await Eventually.Get(() => omni.A.Send(Profile, new { id = customerId }, staff),
            r => r.Ok()["customer.wallet.version"].GetInt32() >= 6, TimeSpan.FromSeconds(30), "the cancel's points");

        // The app saw every version live, in order: set aside, spent by the order, earned, taken back, refunded.
        var live = new List<(int, int)>();
        for (var v = 2; v <= 6; v++)
        {
            live.Add(await Points(await app.Next("w", "myWalletUpdated")));
        }
        Assert.Equal([(200, 2), (200, 3), (217, 4), (200, 5), (500, 6)], live);
        Assert.Equal((200, 2), (held.Ok()["redeemPoints.wallet.points"].GetInt32(), held["redeemPoints.wallet.version"].GetInt32()));
        Assert.Equal(held["redeemPoints.wallet"].ToString(), retried.Ok()["redeemPoints.wallet"].ToString());
        Assert.Equal(["INSUFFICIENT_FUNDS"], tooMany.Ok().UserErrors("redeemPoints"));
        Assert.Equal(["FORBIDDEN"], strangers.ErrorCodes);
        Assert.Equal(["INSUFFICIENT_FUNDS"], atTill.Ok().UserErrors("redeemPoints")); // set aside: not spendable at a till either
        Assert.Equal((300, "PLACED"), (order.Int("pointsRedeemed"), order.Str("status")));
        // 20.00 less 3.00 paid with points earns 17: 500 - 300 + 17.
        Assert.Equal((217, 4), (afterCheckout["customer.wallet.points"].GetInt32(), afterCheckout["customer.wallet.version"].GetInt32()));
        Assert.Equal((500, 6), (afterCancel["customer.wallet.points"].GetInt32(), afterCancel["customer.wallet.version"].GetInt32()));
        var entries = await Eventually.Get(() => omni.A.Send(Profile, new { id = customerId }, staff),
            r => r.Ok()["customer.timeline"].EnumerateArray().Count(e => e.Str("kind") == "POINTS_REVERSED") == 2, TimeSpan.FromSeconds(30), "the refund on the timeline");
        Assert.Equal([-300], entries["customer.timeline"].EnumerateArray().Where(e => e.Str("kind") == "POINTS_REDEEMED").Select(e => e.Int("points")));
        Assert.Equal([300, -17], entries["customer.timeline"].EnumerateArray().Where(e => e.Str("kind") == "POINTS_REVERSED").Select(e => e.Int("points")));
    }

    private static Task<(int, int)> Points(JsonElement wallet) => Task.FromResult((wallet.Int("points"), wallet.Int("version")));

    private async Task<string> NewCart(string customer, string sku, int quantity)
    {
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }", token: customer)).Ok()["startSession.session.cartId"].GetString()!;
        (await omni.A.Send("""
            mutation($cartId: ID!, $sku: ID!, $quantity: Int!) { addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity, fulfillment: { kind: PICKUP, storeId: "s1" }) { errors { code } } }
            """, new { cartId, sku, quantity }, customer)).Ok();
        return cartId;
    }

    private async Task<JsonElement> Checkout(string customer, string cartId)
    {
        var checkout = await omni.A.Send("""
            mutation($cartId: ID!, $key: ID!) { checkout(cartId: $cartId, idempotencyKey: $key) { order { id status pointsRedeemed } errors { code } } }
            """, new { cartId, key = Guid.NewGuid().ToString("N") }, customer);
        Assert.Empty(checkout.Ok().UserErrors("checkout"));
        return checkout["checkout.order"];
    }

    /// <summary>A pickup order at s1 of <paramref name="quantity"/> units, through the web; returns its id.</summary>
    private async Task<string> PlaceOrder(string customer, string sku, int quantity)
    {
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }", token: customer)).Ok()["startSession.session.cartId"].GetString();
        (await omni.A.Send("""
            mutation($cartId: ID!, $sku: ID!, $quantity: Int!) { addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity, fulfillment: { kind: PICKUP, storeId: "s1" }) { errors { code } } }
            """, new { cartId, sku, quantity }, customer)).Ok();
        var checkout = await omni.A.Send("""
            mutation($cartId: ID!, $key: ID!) { checkout(cartId: $cartId, idempotencyKey: $key) { order { id status } errors { code } } }
            """, new { cartId, key = Guid.NewGuid().ToString("N") }, customer);
        Assert.Equal("PLACED", checkout.Ok()["checkout.order.status"].GetString());
        return checkout["checkout.order.id"].GetString()!;
    }

    private static Task<(string?, int)> Read(JsonElement wallet) => Task.FromResult((wallet.Str("customerId"), wallet.Int("version")));
}
