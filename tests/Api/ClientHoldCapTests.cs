using System.Text.Json;
using Omni.Tests.Api.Transport;

namespace Omni.Tests.Api;

/// <summary>
/// Issue 12, item 7, end to end: the anonymous carts of one client (its address) hold at most
/// <c>Omni:Carts:MaxAnonymousUnitsPerClient</c> units together, whether it changes them over HTTP
/// or over a socket; a signed-in customer is not held to it.
/// </summary>
[Trait("Tier", "Host")]
public sealed class ClientHoldCapTests
{
    private const string Start = "mutation { startSession(channel: WEB) { session { cartId } } }";
    private const string Add = """
        mutation($cartId: ID!, $sku: ID!, $quantity: Int!) {
          addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity) { cart { lines { quantity } } errors { code field message } }
        }
        """;

    [Fact]
    public async Task Anonymous_carts_of_one_address_share_the_cap_over_http_and_websocket_and_customers_are_not_held_to_it()
    {
        await using var hosts = await OmniHosts.Start(silos: 1, apis: 1,
            siloSettings: new Dictionary<string, string> { ["Omni__Carts__MaxAnonymousUnitsPerClient"] = "4" },
            apiSettings: new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true" });
        using var api = new ApiClient(hosts.Apis[0].BaseAddress);
        var ops = await OpsClient.Connect(api);
        await ops.DefineNetwork();
        var sku = await ops.NewProduct(10, ("w1", 50));
        var customer = await api.Token(new { role = "CUSTOMER", customerId = $"cap-{Guid.NewGuid():N}" });
        var first = (await api.Send(Start)).Ok()["startSession.session.cartId"].GetString();
        var customersCart = (await api.Send(Start, token: customer)).Ok()["startSession.session.cartId"].GetString();
        await using var socket = await OmniApiFixture.Socket(api);
        var second = (await OverSocket(socket, "1", Start)).GetProperty("startSession").GetProperty("session").GetProperty("cartId").GetString();

        var three = (await api.Send(Add, new { cartId = first, sku, quantity = 3 })).Ok();
        var twoMore = await OverSocket(socket, "2", Add, new { cartId = second, sku, quantity = 2 });
        var oneMore = await OverSocket(socket, "3", Add, new { cartId = second, sku, quantity = 1 });
        var customers = (await api.Send(Add, new { cartId = customersCart, sku, quantity = 10 }, customer)).Ok();

        Assert.Empty(three.UserErrors("addCartLine"));
        var refusal = twoMore.GetProperty("addCartLine").GetProperty("errors")[0];
        Assert.Equal("INVALID_ARGUMENT", refusal.GetProperty("code").GetString());
        Assert.Equal("quantity", refusal.GetProperty("field").GetString());
        Assert.Contains("hold at most 4 units together", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, oneMore.GetProperty("addCartLine").GetProperty("errors").GetArrayLength());
        Assert.Empty(customers.UserErrors("addCartLine"));
        var stock = (await api.Send($$"""{ stock(sku: "{{sku}}", storeId: "w1") { reserved } }""", token: ops.Token)).Ok();
        Assert.Equal(3 + 1 + 10, stock["stock.reserved"].GetInt32());
    }

    /// <summary>Runs one operation over <paramref name="socket"/>; its <c>data</c>.</summary>
    private static async Task<JsonElement> OverSocket(TestSocket socket, string id, string query, object? variables = null)
    {
        await socket.Subscribe(id, query, variables);
        var next = await socket.Receive();
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("complete", (await socket.Receive()).GetProperty("type").GetString());
        return next.GetProperty("payload").GetProperty("data");
    }
}
