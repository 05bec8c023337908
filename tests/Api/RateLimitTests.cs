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
        // A bucket of three that refills at one request in 1,000 s: exactly three of the flood are
        // served, however fast or slowly the machine sends them.
        await using var node = HostProcess.Api(omni.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__Auth__DevTokens"] = "true",
            ["Omni__RateLimit__PermitsPerSecond"] = "0.001",
            ["Omni__RateLimit__Burst"] = "3",
        });
        await node.WaitReady(TimeSpan.FromSeconds(120));
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        using var signedIn = new ApiClient(node.BaseAddress);
        var token = await signedIn.Token(new { role = "CUSTOMER", customerId = $"flood-{Guid.NewGuid():N}" });

        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => http.PostAsJsonAsync("/graphql", new { query = "{ stores { id } }" })));
        var other = await signedIn.Send("{ stores { id } }", token: token);

        Assert.Equal(3, flood.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(37, refused.Count);
        Assert.All(refused, r => Assert.Equal("1000", r.Headers.RetryAfter?.ToString()));
        var body = await refused[0].Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("RATE_LIMITED", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Empty(other.ErrorCodes);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.PostAsJsonAsync("/graphql", new { query = "{ stores { id } }" })).StatusCode);
    }

    [Fact]
    public async Task A_refused_client_is_served_again_once_its_bucket_refills()
    {
        await using var node = HostProcess.Api(omni.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__RateLimit__PermitsPerSecond"] = "1",
            ["Omni__RateLimit__Burst"] = "1",
        });
        await node.WaitReady(TimeSpan.FromSeconds(120));
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        Task<HttpResponseMessage> Ask() => http.PostAsJsonAsync("/graphql", new { query = "{ stores { id } }" });

        // No timing is assumed either way: ask until refused, then until served.
        var refused = await Eventually.Get(Ask, r => r.StatusCode == HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(30), "a client asking without pause is refused");
        var served = await Eventually.Get(Ask, r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the refused client is served again once its bucket refills");

        Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }
}
