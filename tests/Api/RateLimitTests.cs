using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>A flood from one client is refused cleanly; other clients and the server carry on.</summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class RateLimitTests(OmniApiFixture omni)
{
    [Fact]
    public async Task A_flood_from_one_client_gets_429s_while_another_client_is_served_and_the_node_still_answers()
    {
        await using var node = HostProcess.Api(omni.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__Auth__DevTokens"] = "true",
            ["Omni__RateLimit__PermitsPerSecond"] = "1",
            ["Omni__RateLimit__Burst"] = "1",
        });
        await node.WaitReady(TimeSpan.FromSeconds(120));
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        using var signedIn = new ApiClient(node.BaseAddress);
        var token = await signedIn.Token(new { role = "CUSTOMER", customerId = $"flood-{Guid.NewGuid():N}" });

        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => http.PostAsJsonAsync("/graphql", new { query = "{ stores { id } }" })));
        var refused = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        var other = await signedIn.Send("{ stores { id } }", token: token);

        // One request a second with a bucket of one: however slowly the 40 arrive (within 20 s), most are refused, and the first is served.
        Assert.True(refused.Count >= 20, $"{refused.Count} of 40 refused");
        Assert.Contains(flood, r => r.IsSuccessStatusCode);
        Assert.Equal("1", refused[0].Headers.RetryAfter?.ToString());
        var body = await refused[0].Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("RATE_LIMITED", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Empty(other.ErrorCodes);
        await Eventually.True(
            async () => (await http.PostAsJsonAsync("/graphql", new { query = "{ stores { id } }" })).IsSuccessStatusCode,
            TimeSpan.FromSeconds(10), "the flooding client is served again once its bucket refills");
    }
}
