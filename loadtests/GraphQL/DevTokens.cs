using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;

namespace Omni.LoadTests.GraphQL;

/// <summary>
/// Bearer tokens from an API node's <c>POST /dev/token</c> (switched on by <c>./omni up</c>). Asked
/// once per node and identity: without a shared signing key each node accepts only its own tokens.
/// </summary>
public sealed class DevTokens(HttpClient http)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _tokens = new(StringComparer.Ordinal);

    public Task<string> Customer(Uri node, string customerId) => Get(node, new { role = "CUSTOMER", customerId });

    public Task<string> Staff(Uri node, string storeId) => Get(node, new { role = "STAFF", storeId });

    public Task<string> Ops(Uri node) => Get(node, new { role = "OPS" });

    private Task<string> Get(Uri node, object request)
    {
        var key = $"{node}|{JsonSerializer.Serialize(request)}";
        return _tokens.GetOrAdd(key, _ => new Lazy<Task<string>>(() => Fetch(node, request))).Value;
    }

    private async Task<string> Fetch(Uri node, object request)
    {
        using var response = await http.PostAsJsonAsync(new Uri(node, "/dev/token"), request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"POST {node}dev/token answered {(int)response.StatusCode}: dev tokens are off on that node (./omni up switches them on; elsewhere set Omni__Auth__DevTokens=true)");
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("token").GetString() ?? throw new InvalidOperationException("/dev/token returned no token");
    }
}
