using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>
/// What ops do to a fresh system before a test can shop: locations, products, stock. One place
/// for every host fixture and host test, through the public GraphQL API with an OPS token.
/// </summary>
public sealed class OpsClient(ApiClient api, string token)
{
    public ApiClient Api { get; } = api;
    public string Token { get; } = token;

    public static async Task<OpsClient> Connect(ApiClient api) => new(api, await api.Token(new { role = "OPS" }));

    /// <summary>The test network: w1 (a warehouse that ships online), s1 and s2 (stores with pickup).</summary>
    public async Task DefineNetwork()
    {
        await DefineStore("w1", "Fulfilment Centre Berlin", "WAREHOUSE", 52.52, 13.405, shipsOnline: true, pickup: false, priority: 1);
        await DefineStore("s1", "Store Hamburg", "STORE", 53.5511, 9.9937, shipsOnline: false, pickup: true, priority: 100);
        await DefineStore("s2", "Store Munich", "STORE", 48.1351, 11.582, shipsOnline: false, pickup: true, priority: 100);
    }

    public async Task DefineStore(string id, string name, string kind, double latitude, double longitude, bool shipsOnline, bool pickup, int priority)
    {
        var defined = await Api.Send("""
            mutation($input: StoreInput!) { defineStore(input: $input) { store { id } errors { code message } } }
            """, new { input = new { id, name, kind, latitude, longitude, shipsOnline, pickupEnabled = pickup, priority } }, Token);
        Assert.Empty(defined.Ok().UserErrors("defineStore"));
    }

    /// <summary>A new product with stock received at the given locations.</summary>
    public async Task<string> NewProduct(double price = 10, params (string Store, int Quantity)[] stock)
    {
        var sku = $"T-{Guid.NewGuid():N}";
        var defined = await Api.Send("""
            mutation($input: ProductInput!) { defineProduct(input: $input) { product { sku } errors { code message } } }
            """, new { input = new { sku, name = $"Test product {sku[2..8]}", unitPrice = price, currency = "EUR" } }, Token);
        Assert.Empty(defined.Ok().UserErrors("defineProduct"));
        foreach (var (store, quantity) in stock)
        {
            await Receive(sku, store, quantity);
        }
        return sku;
    }

    public async Task<JsonElement> Receive(string sku, string storeId, int quantity)
    {
        var received = await Api.Send("""
            mutation($storeId: ID!, $sku: ID!, $quantity: Int!, $movementId: ID!) {
              receiveStock(storeId: $storeId, sku: $sku, quantity: $quantity, movementId: $movementId) { stock { onHand available version } errors { code message } }
            }
            """, new { storeId, sku, quantity, movementId = Guid.NewGuid().ToString("N") }, Token);
        Assert.Empty(received.Ok().UserErrors("receiveStock"));
        return received["receiveStock.stock"];
    }
}
