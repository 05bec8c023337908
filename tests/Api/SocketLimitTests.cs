using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Omni.Tests.Api.Transport;

namespace Omni.Tests.Api;

/// <summary>
/// A socket is no way around the API's limits: its operations take permits from the same per-client
/// budget as HTTP requests, sockets are capped per client (token subject, else address), and a
/// socket ends when its token does.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class SocketLimitTests(OmniApiFixture omni)
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Subscribe_messages_take_permits_from_the_budget_http_requests_take_from()
    {
        // A bucket of 3 refilled by 1 a second: however slowly 30 operations arrive (within 15 s), most are refused.
        await using var node = await StartNode(new() { ["Omni__RateLimit__PermitsPerSecond"] = "1", ["Omni__RateLimit__Burst"] = "3" });
        using var api = new ApiClient(node.BaseAddress);
        var token = await api.Token(new { role = "CUSTOMER", customerId = $"sock-{Guid.NewGuid():N}" });
        // The token rides in connection_init, so the upgrade itself counts against the address, not the subject.
        await using var socket = await OmniApiFixture.Socket(api, token);

        for (var i = 0; i < 30; i++)
        {
            await socket.Subscribe($"q{i}", "{ __typename }");
        }
        var rateLimited = 0;
        var served = 0;
        for (var finished = 0; finished < 30;)
        {
            var message = await socket.Receive();
            switch (message.GetProperty("type").GetString())
            {
                case "next":
                    served++;
                    break;
                case "complete":
                    finished++;
                    break;
                case "error":
                    Assert.Equal("RATE_LIMITED", GraphQLHttpTransportTests.Code(message.GetProperty("payload")[0]));
                    rateLimited++;
                    finished++;
                    break;
            }
        }
        Assert.True(rateLimited >= 20, $"{rateLimited} of 30 operations refused");
        Assert.True(served >= 1, "the bucket's first permits serve operations");

        // The socket emptied the subject's bucket: of two requests back to back over HTTP, at most one can
        // have a permit refilled in the meantime. Were the budgets separate, both would find a full bucket.
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = "{ __typename }" }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task Sockets_are_capped_per_token_subject_and_anonymous_ones_per_address()
    {
        await using var node = await StartNode(new() { ["Omni__GraphQL__MaxSocketsPerClient"] = "2" });
        using var api = new ApiClient(node.BaseAddress);
        var first = await api.Token(new { role = "CUSTOMER", customerId = $"cap-a-{Guid.NewGuid():N}" });
        var second = await api.Token(new { role = "CUSTOMER", customerId = $"cap-b-{Guid.NewGuid():N}" });
        var open = new List<TestSocket>();
        try
        {
            open.Add(await OmniApiFixture.Socket(api, first));
            open.Add(await OmniApiFixture.Socket(api, first));
            // A third for the same subject with the token on the upgrade: refused before the socket opens.
            await Assert.ThrowsAnyAsync<WebSocketException>(() =>
                TestSocket.Connect(api.WebSocketUri, o => o.SetRequestHeader("Authorization", $"Bearer {first}")));

            // Another shopper behind the same address is not held back by the first one's sockets.
            open.Add(await OmniApiFixture.Socket(api, second));
            open.Add(await OmniApiFixture.Socket(api, second));

            // A third for the first subject with the token in connection_init: the upgrade is anonymous,
            // the token makes it one too many.
            await using (var third = await TestSocket.Connect(api.WebSocketUri))
            {
                await third.Send(new { type = "connection_init", payload = new { Authorization = $"Bearer {first}" } });
                Assert.Equal(4429, await third.ReceiveClose());
            }

            // Anonymous sockets count against their address (once the refused one has finished closing).
            open.Add(await OmniApiFixture.Socket(api));
            open.Add(await Eventually.Get(() => OmniApiFixture.Socket(api), _ => true, TimeSpan.FromSeconds(15), "a second anonymous socket"));
            await Assert.ThrowsAnyAsync<WebSocketException>(() => TestSocket.Connect(api.WebSocketUri));
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_socket_is_closed_with_4403_when_its_token_expires(bool tokenOnUpgrade)
    {
        // Long enough that connecting, initialising and one answer fit inside it on a loaded machine.
        await using var node = await StartNode(new() { ["Omni__Auth__DevTokenLifetime"] = "00:00:08" });
        using var api = new ApiClient(node.BaseAddress);
        var issued = Stopwatch.StartNew();
        var token = await api.Token(new { role = "CUSTOMER", customerId = $"exp-{Guid.NewGuid():N}" });
        await using var socket = tokenOnUpgrade
            ? await TestSocket.Connect(api.WebSocketUri, o => o.SetRequestHeader("Authorization", $"Bearer {token}"))
            : await TestSocket.Connect(api.WebSocketUri);
        await socket.Initialise(tokenOnUpgrade ? null : new { Authorization = $"Bearer {token}" });
        await socket.Subscribe("me", "{ __typename }");
        Assert.Equal("next", (await socket.Receive()).GetProperty("type").GetString());

        var closed = await socket.ReceiveClose();

        Assert.Equal(4403, closed);
        // exp has whole seconds, so the token may lapse up to a second before its nominal 8 s.
        Assert.True(issued.Elapsed >= TimeSpan.FromSeconds(6.5), $"closed after {issued.Elapsed.TotalSeconds:0.0}s, before the token expired");
    }

    private async Task<HostProcess> StartNode(Dictionary<string, string> settings)
    {
        settings["Omni__Auth__DevTokens"] = "true";
        var node = HostProcess.Api(omni.ConnectionString, settings);
        await node.WaitReady(Startup);
        return node;
    }
}
