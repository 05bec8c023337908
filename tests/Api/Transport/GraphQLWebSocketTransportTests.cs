using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Omni.Api.Transport;

namespace Omni.Tests.Api.Transport;

/// <summary>graphql-transport-ws, rule by rule, as the graphql-ws PROTOCOL.md states them.</summary>
[Trait("Tier", "Unit")]
public sealed class GraphQLWebSocketTransportTests(GraphQLServerFixture fixture) : IClassFixture<GraphQLServerFixture>
{
    private readonly GraphQLTestServer _server = fixture.Server;

    [Fact]
    public async Task An_upgrade_without_the_subprotocol_is_refused()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_server.WebSocketUri, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
        await _server.AssertAnswersOverWebSocket();
    }

    [Fact]
    public async Task An_upgrade_with_another_subprotocol_is_refused()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-ws");
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_server.WebSocketUri, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Fact]
    public async Task The_server_agrees_on_graphql_transport_ws_and_acknowledges_connection_init()
    {
        await using var socket = await _server.Connect();

        Assert.Equal("graphql-transport-ws", socket.AgreedSubProtocol);
        await socket.Initialise(new { hello = "there" });
    }

    [Fact]
    public async Task Without_connection_init_in_time_the_socket_closes_4408()
    {
        await using var server = await GraphQLTestServer.Start(new Dictionary<string, string?> { ["Omni:GraphQL:ConnectionInitTimeout"] = "00:00:00.2" });
        await using var socket = await server.Connect();

        Assert.Equal(4408, await socket.ReceiveClose());
        Assert.Equal("Connection initialisation timeout", socket.CloseReason);
        await server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task A_second_connection_init_closes_4429()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Send(new { type = "connection_init" });

        Assert.Equal(4429, await socket.ReceiveClose());
        Assert.Equal("Too many initialisation requests", socket.CloseReason);
        await _server.AssertAnswersOverWebSocket();
    }

    [Fact]
    public async Task Subscribe_before_connection_ack_closes_4401()
    {
        await using var socket = await _server.Connect();

        await socket.Subscribe("1", "{ hello }");

        Assert.Equal(4401, await socket.ReceiveClose());
        Assert.Equal("Unauthorized", socket.CloseReason);
        await _server.AssertAnswersOverWebSocket();
    }

    [Fact]
    public async Task A_duplicate_id_while_active_closes_4409()
    {
        await using var server = await GraphQLTestServer.Start();
        await using var socket = await server.Connect();
        await socket.Initialise();
        await socket.Subscribe("live-1", "subscription { live }");
        await server.Events.WaitForSubscription(TestSocket.Deadline);

        await socket.Subscribe("live-1", "subscription { live }");

        Assert.Equal(4409, await socket.ReceiveClose());
        Assert.Equal("Subscriber for live-1 already exists", socket.CloseReason);
        await server.Events.WaitForUnsubscription(TestSocket.Deadline);
        await server.AssertAnswersOverWebSocket();
    }

    [Fact]
    public async Task An_id_may_be_reused_once_its_operation_completed()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        foreach (var name in new[] { "Ada", "Grace" })
        {
            await socket.Subscribe("same", "query ($name: String) { hello(name: $name) }", new { name });
            var next = await socket.Receive();
            Assert.Equal($"Hello, {name}!", next.GetProperty("payload").GetProperty("data").GetProperty("hello").GetString());
            Assert.Equal("complete", (await socket.Receive()).GetProperty("type").GetString());
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"id":"1"}""")]
    [InlineData("""{"type":"next","id":"1","payload":{}}""")]
    [InlineData("""{"type":"whatever"}""")]
    [InlineData("""{"type":"connection_init","payload":"token"}""")]
    public async Task An_unparsable_or_unknown_message_closes_4400(string message)
    {
        await using var socket = await _server.Connect();

        await socket.SendText(message);

        Assert.Equal(4400, await socket.ReceiveClose());
        Assert.False(string.IsNullOrEmpty(socket.CloseReason));
        await _server.AssertAnswersOverWebSocket();
    }

    [Theory]
    [InlineData("""{"type":"subscribe","payload":{"query":"{ hello }"}}""")]
    [InlineData("""{"type":"subscribe","id":"1"}""")]
    [InlineData("""{"type":"subscribe","id":"1","payload":{"query":7}}""")]
    [InlineData("""{"type":"subscribe","id":"1","payload":{"query":"{ hello }","variables":[1]}}""")]
    [InlineData("""{"type":"complete"}""")]
    [InlineData("""{"type":"subscribe","id":"\ud800","payload":{"query":"{ hello }"}}""")]
    [InlineData("""{"type":"subscribe","id":"1","payload":{"query":"{ hello(name: $n) }","variables":{"n":"\udc00"}}}""")]
    [InlineData("""{"type":"complete","id":"x\ud800"}""")]
    public async Task A_malformed_subscribe_or_complete_closes_4400(string message)
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.SendText(message);

        Assert.Equal(4400, await socket.ReceiveClose());
    }

    [Fact]
    public async Task Ping_gets_a_pong_echoing_its_payload_even_before_connection_init()
    {
        await using var socket = await _server.Connect();

        await socket.Send(new { type = "ping", payload = new { sent = 42 } });
        var pong = await socket.Receive();

        Assert.Equal("pong", pong.GetProperty("type").GetString());
        Assert.Equal(42, pong.GetProperty("payload").GetProperty("sent").GetInt32());
    }

    [Fact]
    public async Task A_pong_is_accepted_silently()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Send(new { type = "pong" });
        await socket.Send(new { type = "ping" });

        Assert.Equal("pong", (await socket.Receive()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_subscription_sends_each_event_as_next_then_complete()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Subscribe("ticks", "subscription ($count: Int!) { ticks(count: $count) }", new { count = 3 });

        for (var i = 0; i < 3; i++)
        {
            var next = await socket.Receive();
            Assert.Equal("next", next.GetProperty("type").GetString());
            Assert.Equal("ticks", next.GetProperty("id").GetString());
            Assert.Equal(i, next.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
        }
        var complete = await socket.Receive();
        Assert.Equal("complete", complete.GetProperty("type").GetString());
        Assert.Equal("ticks", complete.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_client_complete_stops_the_stream_and_unsubscribes_the_source()
    {
        await using var server = await GraphQLTestServer.Start();
        await using var socket = await server.Connect();
        await socket.Initialise();
        await socket.Subscribe("live", "subscription { live }");
        await server.Events.WaitForSubscription(TestSocket.Deadline);

        server.Events.Publish(1);
        var next = await socket.Receive();
        Assert.Equal("1:", next.GetProperty("payload").GetProperty("data").GetProperty("live").GetString());
        await socket.Send(new { type = "complete", id = "live" });
        await server.Events.WaitForUnsubscription(TestSocket.Deadline);

        Assert.Equal(0, server.Events.Subscribers);
        server.Events.Publish(2);
        await socket.Send(new { type = "ping" });
        Assert.Equal("pong", (await socket.Receive()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Closing_the_socket_unsubscribes_its_sources()
    {
        await using var server = await GraphQLTestServer.Start();
        var socket = await server.Connect();
        await socket.Initialise();
        await socket.Subscribe("live", "subscription { live }");
        await server.Events.WaitForSubscription(TestSocket.Deadline);

        await socket.DisposeAsync();

        await server.Events.WaitForUnsubscription(TestSocket.Deadline);
        Assert.Equal(0, server.Events.Subscribers);
    }

    [Fact]
    public async Task A_query_over_the_socket_gets_one_next_then_complete()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Subscribe("q", "query ($name: String) { hello(name: $name) }", new { name = "Ada" });

        var next = await socket.Receive();
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("q", next.GetProperty("id").GetString());
        Assert.Equal("Hello, Ada!", next.GetProperty("payload").GetProperty("data").GetProperty("hello").GetString());
        Assert.Equal("complete", (await socket.Receive()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_mutation_over_the_socket_gets_one_next_then_complete()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Subscribe("m", "mutation { add(a: 20, b: 22) }");

        var next = await socket.Receive();
        Assert.Equal(42, next.GetProperty("payload").GetProperty("data").GetProperty("add").GetInt32());
        Assert.Equal("complete", (await socket.Receive()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_field_error_is_part_of_next_with_a_code_and_without_details()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Subscribe("b", "{ boom }");

        var text = await socket.ReceiveText();
        Assert.DoesNotContain("secret detail", text, StringComparison.Ordinal);
        var next = JsonDocument.Parse(text!).RootElement;
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("INTERNAL", GraphQLHttpTransportTests.Code(next.GetProperty("payload").GetProperty("errors")[0]));
    }

    [Theory]
    [InlineData("{ nosuchfield }")]
    [InlineData("{ hello")]
    public async Task An_operation_that_fails_to_parse_or_validate_gets_an_error_message_with_coded_errors(string query)
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Subscribe("bad", query);

        var error = await socket.Receive();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("bad", error.GetProperty("id").GetString());
        var first = error.GetProperty("payload")[0];
        Assert.False(string.IsNullOrEmpty(first.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(GraphQLHttpTransportTests.Code(first)));
        Assert.False(first.TryGetProperty("StackTrace", out _));
        await socket.Subscribe("good", "{ hello }");
        Assert.Equal("next", (await socket.Receive()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Too_many_aliases_are_refused_over_the_socket_too()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Subscribe("wide", "{ " + string.Join(" ", Enumerable.Range(0, 31).Select(i => $"a{i}: hello")) + " }");

        var error = await socket.Receive();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("MAX_ALIASES_EXCEEDED", GraphQLHttpTransportTests.Code(error.GetProperty("payload")[0]));
    }

    [Fact]
    public async Task An_operation_beyond_the_per_socket_limit_gets_an_error_message()
    {
        await using var server = await GraphQLTestServer.Start(new Dictionary<string, string?> { ["Omni:GraphQL:MaxOperationsPerSocket"] = "2" });
        await using var socket = await server.Connect();
        await socket.Initialise();
        await socket.Subscribe("a", "subscription { live }");
        await socket.Subscribe("b", "subscription { live }");
        await server.Events.WaitForSubscription(TestSocket.Deadline);
        await server.Events.WaitForSubscription(TestSocket.Deadline);

        await socket.Subscribe("c", "subscription { live }");

        var error = await socket.Receive();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("c", error.GetProperty("id").GetString());
        Assert.Equal("TOO_MANY_OPERATIONS", GraphQLHttpTransportTests.Code(error.GetProperty("payload")[0]));
        await socket.Send(new { type = "complete", id = "a" });
        await server.Events.WaitForUnsubscription(TestSocket.Deadline);
        await socket.Subscribe("d", "{ hello }");
        Assert.Equal("next", (await socket.Receive()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Sockets_beyond_the_per_client_limit_are_refused_with_429()
    {
        await using var server = await GraphQLTestServer.Start(new Dictionary<string, string?> { ["Omni:GraphQL:MaxSocketsPerClient"] = "2" });
        await using var first = await server.Connect();
        await using var second = await server.Connect();
        using var third = new ClientWebSocket();
        third.Options.AddSubProtocol(TestSocket.SubProtocol);
        third.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(server.WebSocketUri, CancellationToken.None));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.HttpStatusCode);
        await second.DisposeAsync();
        await Eventually.True(async () =>
        {
            try
            {
                await using var again = await server.Connect();
                return true;
            }
            catch (WebSocketException)
            {
                return false;
            }
        }, TestSocket.Deadline, "a socket slot frees up once a socket closes");
        await server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task A_subscriber_too_slow_is_closed_1013_without_blocking_the_source_or_other_sockets()
    {
        await using var server = await GraphQLTestServer.Start(new Dictionary<string, string?> { ["Omni:GraphQL:SubscriberQueueLimit"] = "4" });
        await using var slow = await server.Connect();
        await slow.Initialise();
        await slow.Subscribe("live", "subscription { live(padding: 65536) }");
        await server.Events.WaitForSubscription(TestSocket.Deadline);

        // The client reads nothing: its TCP buffers fill, then the server's queue. Publishing never
        // blocks, and the server lets go of the source once the queue overflows.
        for (var i = 0; server.Events.Subscribers > 0; i++)
        {
            Assert.True(i < 100_000, "the server never gave up on the slow subscriber");
            server.Events.Publish(i);
            if (i % 16 == 0)
            {
                await Task.Yield();
            }
        }
        await server.AssertAnswersOverWebSocket();

        Assert.Equal(1013, await slow.ReceiveClose());
        Assert.Equal("Subscriber too slow", slow.CloseReason);
    }

    [Fact]
    public async Task Operations_run_as_the_user_of_the_upgrade_request()
    {
        await using var socket = await _server.Connect(options => options.SetRequestHeader(GraphQLTestServer.TestUserHeader, "bob"));
        await socket.Initialise();

        await socket.Subscribe("me", "{ me }");

        Assert.Equal("bob", (await socket.Receive()).GetProperty("payload").GetProperty("data").GetProperty("me").GetString());
    }

    [Fact]
    public async Task An_anonymous_socket_authenticates_with_the_connection_init_payload()
    {
        await using var server = await GraphQLTestServer.Start(services: s => s.AddSingleton<IConnectionInitAuthenticator, TestAuthenticator>());
        await using var socket = await server.Connect();
        await socket.Initialise(new { Authorization = "Bearer good" });

        await socket.Subscribe("me", "{ me }");

        Assert.Equal("carol", (await socket.Receive()).GetProperty("payload").GetProperty("data").GetProperty("me").GetString());
    }

    [Fact]
    public async Task An_invalid_token_in_connection_init_closes_4403()
    {
        await using var server = await GraphQLTestServer.Start(services: s => s.AddSingleton<IConnectionInitAuthenticator, TestAuthenticator>());
        await using var socket = await server.Connect();

        await socket.Send(new { type = "connection_init", payload = new { Authorization = "Bearer forged" } });

        Assert.Equal(4403, await socket.ReceiveClose());
        Assert.Equal("Forbidden", socket.CloseReason);
        await server.AssertAnswersOverWebSocket();
    }

    [Fact]
    public async Task The_authenticator_is_not_asked_when_the_upgrade_request_is_authenticated()
    {
        await using var server = await GraphQLTestServer.Start(services: s => s.AddSingleton<IConnectionInitAuthenticator, TestAuthenticator>());
        await using var socket = await server.Connect(options => options.SetRequestHeader(GraphQLTestServer.TestUserHeader, "bob"));
        await socket.Initialise(new { Authorization = "Bearer forged" });

        await socket.Subscribe("me", "{ me }");

        Assert.Equal("bob", (await socket.Receive()).GetProperty("payload").GetProperty("data").GetProperty("me").GetString());
    }

    [Fact]
    public async Task Without_an_authenticator_the_payload_is_ignored_and_the_socket_stays_anonymous()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise(new { Authorization = "Bearer good" });

        await socket.Subscribe("me", "{ me }");

        Assert.Equal(JsonValueKind.Null, (await socket.Receive()).GetProperty("payload").GetProperty("data").GetProperty("me").ValueKind);
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_1009()
    {
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Send(new { type = "ping", payload = new { pad = new string('x', 70 * 1024) } });

        Assert.Equal((int)WebSocketCloseStatus.MessageTooBig, await socket.ReceiveClose());
        await _server.AssertAnswersOverWebSocket();
    }

    [Fact]
    public async Task Stopping_the_server_closes_sockets_1001()
    {
        var server = await GraphQLTestServer.Start();
        await using var socket = await server.Connect();
        await socket.Initialise();

        var stopping = server.DisposeAsync();

        Assert.Equal((int)WebSocketCloseStatus.EndpointUnavailable, await socket.ReceiveClose());
        await socket.DisposeAsync();
        await stopping;
    }

    /// <summary>Accepts "Bearer good" as carol, no credentials as anonymous, anything else not at all.</summary>
    private sealed class TestAuthenticator : IConnectionInitAuthenticator
    {
        public ValueTask<ClaimsPrincipal?> Authenticate(IReadOnlyDictionary<string, object?>? payload, CancellationToken ct) =>
            ValueTask.FromResult(payload?.GetValueOrDefault("Authorization") switch
            {
                null => new ClaimsPrincipal(new ClaimsIdentity()),
                "Bearer good" => new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "carol")], "Bearer")),
                _ => null,
            });
    }
}
