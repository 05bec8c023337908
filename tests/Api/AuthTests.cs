using System.Net;
using System.Text.Json;
using Omni.Tests.Api.Transport;

namespace Omni.Tests.Api;

/// <summary>
/// Who may do what, over HTTP and over WebSocket alike: anonymous callers, customer A against
/// customer B's things, staff of s1 at s2, and ops. Refusals are GraphQL errors coded
/// UNAUTHENTICATED or FORBIDDEN and carry none of the refused data.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class AuthTests(OmniApiFixture omni)
{
    [Fact]
    public async Task Anonymous_callers_read_the_catalog_but_need_a_token_for_staff_ops_and_me()
    {
        var sku = await omni.NewProduct(1, ("s1", 5));

        var catalog = await omni.A.Send("query($sku: ID!) { product(sku: $sku) { sku } stores { id } stock(sku: $sku, storeId: \"s1\") { onHand } availability(sku: $sku) { sku } }", new { sku });
        var me = await omni.A.Send("{ me { id } }");
        var receive = await omni.A.Send("mutation($sku: ID!) { receiveStock(storeId: \"s1\", sku: $sku, quantity: 1, movementId: \"m\") { errors { code } } }", new { sku });
        var reserve = await omni.A.Send("mutation($sku: ID!) { reserveStock(storeId: \"s1\", sku: $sku, quantity: 1, reservationId: \"r\") { errors { code } } }", new { sku });
        var attach = await omni.A.Send("mutation { attachCustomer(sessionId: \"s\") { errors { code } } }");

        catalog.Ok();
        Assert.Equal(["UNAUTHENTICATED"], me.ErrorCodes);
        Assert.Equal(JsonValueKind.Null, me["me"].ValueKind);
        Assert.Equal(["UNAUTHENTICATED"], receive.ErrorCodes);
        Assert.Equal(["UNAUTHENTICATED"], reserve.ErrorCodes);
        Assert.Equal(["UNAUTHENTICATED"], attach.ErrorCodes);
    }

    [Fact]
    public async Task A_customers_cart_session_and_order_are_theirs_and_ops_only()
    {
        var sku = await omni.NewProduct(1, ("w1", 5));
        var (customerA, customerB) = (await omni.CustomerToken($"a-{Guid.NewGuid():N}"), await omni.CustomerToken($"b-{Guid.NewGuid():N}"));
        var session = (await omni.A.Send("mutation { startSession(channel: WEB) { session { id cartId } } }", token: customerB)).Ok()["startSession.session"];
        var (sessionId, cartId) = (session.Str("id"), session.Str("cartId"));
        await omni.A.Send("mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 1) { errors { code } } }", new { cartId, sku }, customerB);
        var orderId = (await omni.A.Send("mutation($cartId: ID!) { checkout(cartId: $cartId, idempotencyKey: \"k\") { order { id } } }", new { cartId }, customerB))
            .Ok()["checkout.order.id"].GetString();
        const string Read = "query($cartId: ID!, $sessionId: ID!, $orderId: ID!) { cart(id: $cartId) { id lines { sku } } session(id: $sessionId) { id } order(id: $orderId) { id total } }";
        var variables = new { cartId, sessionId, orderId };

        var byOwner = await omni.A.Send(Read, variables, customerB);
        var byOps = await omni.B.Send(Read, variables, omni.OpsToken);
        var byOther = await omni.A.Send(Read, variables, customerA);
        var byNobody = await omni.B.Send(Read, variables);
        var byStaff = await omni.A.Send(Read, variables, await omni.StaffToken("s1"));
        var change = await omni.A.Send("mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 1) { errors { code } } }", new { cartId, sku }, customerA);
        var cancel = await omni.A.Send("mutation($id: ID!) { cancelOrder(orderId: $id) { errors { code } } }", new { id = orderId }, customerA);
        var attach = await omni.A.Send("mutation($id: ID!) { attachCustomer(sessionId: $id) { errors { code } } }", new { id = sessionId }, customerA);

        byOwner.Ok();
        byOps.Ok();
        Assert.Equal(cartId, byOps["cart.id"].GetString());
        Assert.Equal(["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"], byOther.ErrorCodes);
        Assert.Equal(["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"], byNobody.ErrorCodes);
        Assert.Equal(["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"], byStaff.ErrorCodes);
        foreach (var refused in new[] { byOther, byNobody, byStaff })
        {
            Assert.All(new[] { "cart", "session", "order" }, field => Assert.Equal(JsonValueKind.Null, refused[field].ValueKind));
            Assert.DoesNotContain(sku, refused.ToString());
        }
        Assert.Equal(["FORBIDDEN"], change.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], cancel.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], attach.ErrorCodes);
    }

    [Fact]
    public async Task Staff_work_the_tills_of_their_own_store_only_and_ops_receive_and_count()
    {
        var sku = await omni.NewProduct(1, ("s1", 5), ("s2", 5));
        var staff = await omni.StaffToken("s1");
        const string Reserve = "mutation($store: ID!, $sku: ID!) { reserveStock(storeId: $store, sku: $sku, quantity: 1, reservationId: \"r1\") { errors { code } } }";
        const string Sale = "mutation($store: ID!, $sku: ID!) { recordSale(storeId: $store, sku: $sku, quantity: 1, saleId: \"s1\") { errors { code } } }";
        const string Receive = "mutation($store: ID!, $sku: ID!) { receiveStock(storeId: $store, sku: $sku, quantity: 1, movementId: \"m1\") { errors { code } } }";
        const string Count = "mutation($store: ID!, $sku: ID!) { setStockCount(storeId: $store, sku: $sku, onHand: 9, movementId: \"c1\") { errors { code } } }";

        var atHome = await omni.A.Send(Reserve, new { store = "s1", sku }, staff);
        var elsewhere = await omni.A.Send(Reserve, new { store = "s2", sku }, staff);
        var saleElsewhere = await omni.A.Send(Sale, new { store = "s2", sku }, staff);
        var staffReceives = await omni.A.Send(Receive, new { store = "s1", sku }, staff);
        var staffCounts = await omni.A.Send(Count, new { store = "s1", sku }, staff);
        var customerReserves = await omni.A.Send(Reserve, new { store = "s1", sku }, await omni.CustomerToken("c-pos"));
        var opsReserves = await omni.A.Send(Reserve, new { store = "s2", sku }, omni.OpsToken);
        var opsReceives = await omni.A.Send(Receive, new { store = "s2", sku }, omni.OpsToken);
        var opsCounts = await omni.A.Send(Count, new { store = "s2", sku }, omni.OpsToken);

        Assert.Empty(atHome.Ok().UserErrors("reserveStock"));
        Assert.Equal(["FORBIDDEN"], elsewhere.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], saleElsewhere.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], staffReceives.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], staffCounts.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], customerReserves.ErrorCodes);
        Assert.Empty(opsReserves.Ok().UserErrors("reserveStock"));
        Assert.Empty(opsReceives.Ok().UserErrors("receiveStock"));
        Assert.Empty(opsCounts.Ok().UserErrors("setStockCount"));
    }

    [Fact]
    public async Task Staff_cannot_release_or_commit_a_carts_hold_but_ops_can()
    {
        var sku = await omni.NewProduct(1, ("s1", 5));
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }")).Ok()["startSession.session.cartId"].GetString();
        var line = await omni.A.Send("""
            mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 1, fulfillment: { kind: PICKUP, storeId: "s1" }) { cart { lines { reservationId } } } }
            """, new { cartId, sku });
        var reservationId = line.Ok()["addCartLine.cart.lines.0.reservationId"].GetString();
        const string Commit = "mutation($sku: ID!, $id: ID!) { commitReservation(storeId: \"s1\", sku: $sku, reservationId: $id) { errors { code } } }";
        const string Release = "mutation($sku: ID!, $id: ID!) { releaseReservation(storeId: \"s1\", sku: $sku, reservationId: $id) { stock { reserved } errors { code } } }";
        var staff = await omni.StaffToken("s1");

        var staffCommits = await omni.A.Send(Commit, new { sku, id = reservationId }, staff);
        var staffReleases = await omni.A.Send(Release, new { sku, id = reservationId }, staff);
        var opsReleases = await omni.A.Send(Release, new { sku, id = reservationId }, omni.OpsToken);

        Assert.Equal(["FORBIDDEN"], staffCommits.ErrorCodes);
        Assert.Equal(["FORBIDDEN"], staffReleases.ErrorCodes);
        Assert.Empty(opsReleases.Ok().UserErrors("releaseReservation"));
        Assert.Equal(0, opsReleases["releaseReservation.stock.reserved"].GetInt32());
    }

    [Fact]
    public async Task A_bad_token_is_refused_where_identity_matters_and_ignored_for_public_reads()
    {
        var forged = await omni.A.Token(new { role = "OPS" }) + "x";

        var session = await omni.A.Send("mutation { startSession(channel: WEB) { session { id } } }", token: forged);
        var receive = await omni.A.Send("mutation { receiveStock(storeId: \"s1\", sku: \"X\", quantity: 1, movementId: \"m\") { errors { code } } }", token: forged);
        var stores = await omni.A.Send("{ stores { id } }", token: forged);
        var me = await omni.A.Send("{ me { id } }", token: await omni.StaffToken("s1"));

        Assert.Equal(["UNAUTHENTICATED"], session.ErrorCodes);
        Assert.Equal(["UNAUTHENTICATED"], receive.ErrorCodes);
        stores.Ok();
        Assert.Equal(["FORBIDDEN"], me.ErrorCodes);
    }

    [Fact]
    public async Task Dev_tokens_are_issued_only_for_a_well_formed_role()
    {
        using var noRole = await omni.A.PostToken(new { customerId = "c1" });
        using var customerWithoutId = await omni.A.PostToken(new { role = "CUSTOMER" });
        using var staffWithoutStore = await omni.A.PostToken(new { role = "STAFF" });
        using var ops = await omni.A.PostToken(new { role = "OPS" });

        Assert.Equal(HttpStatusCode.BadRequest, noRole.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, customerWithoutId.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, staffWithoutStore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ops.StatusCode);
    }

    [Fact]
    public async Task The_same_rules_hold_over_WebSocket()
    {
        var sku = await omni.NewProduct(1, ("s1", 5), ("s2", 5));
        var (customerA, customerB) = (await omni.CustomerToken($"a-{Guid.NewGuid():N}"), await omni.CustomerToken($"b-{Guid.NewGuid():N}"));
        var cartId = (await omni.A.Send("mutation { startSession(channel: APP) { session { cartId } } }", token: customerB)).Ok()["startSession.session.cartId"].GetString();
        var cartUpdated = $"subscription {{ cartUpdated(cartId: \"{cartId}\") {{ id version }} }}";
        var reserveAtS2 = $"mutation {{ reserveStock(storeId: \"s2\", sku: \"{sku}\", quantity: 1, reservationId: \"ws-r\") {{ errors {{ code }} }} }}";

        await using var anonymous = await OmniApiFixture.Socket(omni.A);
        await anonymous.Subscribe("1", cartUpdated);
        Assert.Equal(["UNAUTHENTICATED"], await anonymous.Error("1"));
        await anonymous.Subscribe("2", "subscription { myCartUpdated { id } }");
        Assert.Equal(["UNAUTHENTICATED"], await anonymous.Error("2"));

        await using var other = await OmniApiFixture.Socket(omni.B, customerA);
        await other.Subscribe("1", cartUpdated);
        Assert.Equal(["FORBIDDEN"], await other.Error("1"));

        await using var staff = await OmniApiFixture.Socket(omni.A, await omni.StaffToken("s1"));
        await staff.Subscribe("1", reserveAtS2);
        var staffResult = await staff.Receive();
        Assert.Equal("next", staffResult.Str("type"));
        Assert.Equal("FORBIDDEN", staffResult.GetProperty("payload").GetProperty("errors")[0].GetProperty("extensions").Str("code"));

        await using var ops = await OmniApiFixture.Socket(omni.B, omni.OpsToken);
        await ops.Subscribe("1", cartUpdated);
        Assert.Equal(cartId, (await ops.Next("1", "cartUpdated")).Str("id"));
        await ops.Subscribe("2", reserveAtS2);
        Assert.Equal(0, (await ops.Next("2", "reserveStock")).GetProperty("errors").GetArrayLength());

        // A token on the upgrade request itself counts as well as one in connection_init.
        await using var owner = await TestSocket.Connect(omni.A.WebSocketUri, o => o.SetRequestHeader("Authorization", $"Bearer {customerB}"));
        await owner.Initialise();
        await owner.Subscribe("1", cartUpdated);
        Assert.Equal(cartId, (await owner.Next("1", "cartUpdated")).Str("id"));

        await using var forged = await TestSocket.Connect(omni.A.WebSocketUri);
        await forged.Send(new { type = "connection_init", payload = new { Authorization = $"Bearer {customerA}x" } });
        Assert.Equal(4403, await forged.ReceiveClose());
    }
}
