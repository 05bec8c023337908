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
    private OmniHosts? _hosts;
    private OpsClient _ops = null!;

    public string ConnectionString => _hosts?.ConnectionString ?? throw new InvalidOperationException("not started");

    public ApiClient A { get; private set; } = null!;
    public ApiClient B { get; private set; } = null!;
    public string OpsToken => _ops.Token;

    public async Task InitializeAsync()
    {
        _hosts = await OmniHosts.Start(silos: 1, apis: 2, apiSettings: new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true" });
        A = new ApiClient(_hosts.Apis[0].BaseAddress);
        B = new ApiClient(_hosts.Apis[1].BaseAddress);
        _ops = await OpsClient.Connect(A);
        await _ops.DefineNetwork();
    }

    public Task<string> CustomerToken(string customerId) => A.Token(new { role = "CUSTOMER", customerId });

    public Task<string> StaffToken(string storeId) => A.Token(new { role = "STAFF", storeId });

    /// <summary>A new product with stock received at the given locations.</summary>
    public Task<string> NewProduct(double price = 10, params (string Store, int Quantity)[] stock) => _ops.NewProduct(price, stock);

    public Task<JsonElement> Receive(string sku, string storeId, int quantity) => _ops.Receive(sku, storeId, quantity);

    /// <summary>A graphql-transport-ws socket to <paramref name="node"/>, initialised with the token in the connection_init payload.</summary>
    public static async Task<TestSocket> Socket(ApiClient node, string? token = null)
    {
        var socket = await TestSocket.Connect(node.WebSocketUri);
        await socket.Initialise(token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" });
        return socket;
    }

    public async Task DisposeAsync()
    {
        A?.Dispose();
        B?.Dispose();
        if (_hosts is not null)
        {
            await _hosts.DisposeAsync();
        }
    }
}
