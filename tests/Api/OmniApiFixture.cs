using System.Text.Json;
using Omni.Tests.Api.Transport;

namespace Omni.Tests.Api;

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<OmniApiFixture>
{
    public const string Name = "Omni API end to end";
}

/// <summary>
/// The real executables, as ./omni up runs them: one silo and two API nodes (A and B) on one fresh
/// database, with dev tokens on and one signing key, shared by every end-to-end test. The network
/// is three locations: w1 (a warehouse that ships online), s1 and s2 (stores with pickup). Tests
/// make their own products, customers and carts, so they never see each other's data.
/// </summary>
public sealed class OmniApiFixture : IAsyncLifetime
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    private TestDatabase? _database;
    private HostProcess? _silo;
    private HostProcess? _nodeA;
    private HostProcess? _nodeB;

    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("not started");

    public ApiClient A { get; private set; } = null!;
    public ApiClient B { get; private set; } = null!;
    public string OpsToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.Create();
        _silo = HostProcess.Silo(_database.ConnectionString);
        await _silo.WaitReady(Startup);
        var settings = new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true" };
        _nodeA = HostProcess.Api(_database.ConnectionString, settings);
        _nodeB = HostProcess.Api(_database.ConnectionString, settings);
        await Task.WhenAll(_nodeA.WaitReady(Startup), _nodeB.WaitReady(Startup));
        A = new ApiClient(_nodeA.BaseAddress);
        B = new ApiClient(_nodeB.BaseAddress);
        OpsToken = await A.Token(new { role = "OPS" });

        await DefineStore("w1", "Fulfilment Centre Berlin", "WAREHOUSE", 52.52, 13.405, shipsOnline: true, pickup: false, priority: 1);
        await DefineStore("s1", "Store Hamburg", "STORE", 53.5511, 9.9937, shipsOnline: false, pickup: true, priority: 100);
        await DefineStore("s2", "Store Munich", "STORE", 48.1351, 11.582, shipsOnline: false, pickup: true, priority: 100);
    }

    public Task<string> CustomerToken(string customerId) => A.Token(new { role = "CUSTOMER", customerId });

    public Task<string> StaffToken(string storeId) => A.Token(new { role = "STAFF", storeId });

    /// <summary>A new product with stock received at the given locations.</summary>
    public async Task<string> NewProduct(double price = 10, params (string Store, int Quantity)[] stock)
    {
        var sku = $"T-{Guid.NewGuid():N}";
        var defined = await A.Send("""
            mutation($input: ProductInput!) { defineProduct(input: $input) { product { sku } errors { code message } } }
            """, new { input = new { sku, name = $"Test product {sku[2..8]}", unitPrice = price, currency = "EUR" } }, OpsToken);
        Assert.Empty(defined.Ok().UserErrors("defineProduct"));
        foreach (var (store, quantity) in stock)
        {
            await Receive(sku, store, quantity);
        }
        return sku;
    }

    public async Task<JsonElement> Receive(string sku, string storeId, int quantity)
    {
        var received = await A.Send("""
            mutation($storeId: ID!, $sku: ID!, $quantity: Int!, $movementId: ID!) {
              receiveStock(storeId: $storeId, sku: $sku, quantity: $quantity, movementId: $movementId) { stock { onHand available version } errors { code message } }
            }
            """, new { storeId, sku, quantity, movementId = Guid.NewGuid().ToString("N") }, OpsToken);
        Assert.Empty(received.Ok().UserErrors("receiveStock"));
        return received["receiveStock.stock"];
    }

    /// <summary>A graphql-transport-ws socket to <paramref name="node"/>, initialised with the token in the connection_init payload.</summary>
    public static async Task<TestSocket> Socket(ApiClient node, string? token = null)
    {
        var socket = await TestSocket.Connect(node.WebSocketUri);
        await socket.Initialise(token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" });
        return socket;
    }

    private async Task DefineStore(string id, string name, string kind, double latitude, double longitude, bool shipsOnline, bool pickup, int priority)
    {
        var defined = await A.Send("""
            mutation($input: StoreInput!) { defineStore(input: $input) { store { id } errors { code message } } }
            """, new { input = new { id, name, kind, latitude, longitude, shipsOnline, pickupEnabled = pickup, priority } }, OpsToken);
        Assert.Empty(defined.Ok().UserErrors("defineStore"));
    }

    public async Task DisposeAsync()
    {
        A?.Dispose();
        B?.Dispose();
        foreach (var process in new[] { _nodeA, _nodeB, _silo })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
