using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GraphQL;
using GraphQL.Validation;
using GraphQLParser;
using Omni.Api.Transport;

namespace Omni.Tests.Api.Transport;

/// <summary>
/// Automatic persisted queries as Apollo's APQ protocol states them (and urql's persistedExchange
/// speaks): a hash alone runs a known document or is answered PERSISTED_QUERY_NOT_FOUND; a hash with
/// its text registers it; a hash that is not the text's is refused; GET works for queries only.
/// Each test uses texts of its own, since the server (and its cache) is shared by the class.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class PersistedQueryTests(GraphQLServerFixture fixture) : IClassFixture<GraphQLServerFixture>
{
    private const string Json = "application/json";
    private const string NotFound = "PERSISTED_QUERY_NOT_FOUND";
    private readonly GraphQLTestServer _server = fixture.Server;

    [Theory]
    [InlineData(GraphQLTestServer.GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task An_unknown_hash_alone_is_answered_not_found_without_running_anything(string accept, HttpStatusCode status)
    {
        using var response = await _server.Post(Body(null, Sha256("{ hello(name: \"never sent\") }")), accept);

        Assert.Equal(status, response.StatusCode);
        var body = await GraphQLTestServer.ReadJson(response);
        Assert.False(body.TryGetProperty("data", out _));
        var error = body.GetProperty("errors")[0];
        Assert.Equal("PersistedQueryNotFound", error.GetProperty("message").GetString());
        Assert.Equal(NotFound, error.GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_hash_sent_with_its_text_runs_it_and_then_the_hash_alone_runs_it_too()
    {
        const string query = "query Registered($name: String) { hello(name: $name) }";
        var hash = Sha256(query);

        using var miss = await _server.Post(Body(null, hash, new { name = "a" }));
        Assert.Equal(NotFound, ErrorCode(await GraphQLTestServer.ReadJson(miss)));

        using var registered = await _server.Post(Body(query, hash, new { name = "Ada" }));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal("Hello, Ada!", Hello(await GraphQLTestServer.ReadJson(registered)));

        using var known = await _server.Post(Body(null, hash, new { name = "Grace" }));
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal("Hello, Grace!", Hello(await GraphQLTestServer.ReadJson(known)));
    }

    [Fact]
    public async Task The_hash_may_come_in_uppercase_hex()
    {
        const string query = "{ uppercase: hello }";
        using var registered = await _server.Post(Body(query, Sha256(query).ToUpperInvariant()));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);

        using var known = await _server.Post(Body(null, Sha256(query)));

        Assert.Equal("Hello, world!", (await GraphQLTestServer.ReadJson(known)).GetProperty("data").GetProperty("uppercase").GetString());
    }

    [Fact]
    public async Task A_hash_that_is_not_the_texts_is_refused_and_registers_nothing()
    {
        const string query = "{ mismatch: hello }";
        const string other = "{ other: hello }";
        var hash = Sha256(other);

        using var refused = await _server.Post(Body(query, hash));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await GraphQLTestServer.ReadJson(refused);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.Equal("PERSISTED_QUERY_HASH_MISMATCH", ErrorCode(body));
        using var stillUnknown = await _server.Post(Body(null, hash));
        Assert.Equal(NotFound, ErrorCode(await GraphQLTestServer.ReadJson(stillUnknown)));
    }

    [Fact]
    public async Task A_document_that_fails_validation_is_not_registered()
    {
        const string query = "{ noSuchField }";
        var hash = Sha256(query);

        using var invalid = await _server.Post(Body(query, hash));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);

        using var hashAlone = await _server.Post(Body(null, hash));
        Assert.Equal(NotFound, ErrorCode(await GraphQLTestServer.ReadJson(hashAlone)));
    }

    [Theory]
    [InlineData("""{"persistedQuery":{"version":2,"sha256Hash":"0000000000000000000000000000000000000000000000000000000000000000"}}""")]
    [InlineData("""{"persistedQuery":{"sha256Hash":"0000000000000000000000000000000000000000000000000000000000000000"}}""")]
    [InlineData("""{"persistedQuery":{"version":1,"sha256Hash":"abc"}}""")]
    [InlineData("""{"persistedQuery":{"version":1,"sha256Hash":"zz00000000000000000000000000000000000000000000000000000000000000"}}""")]
    [InlineData("""{"persistedQuery":{"version":1,"sha256Hash":7}}""")]
    [InlineData("""{"persistedQuery":"yes"}""")]
    public async Task A_malformed_persisted_query_extension_is_an_invalid_request(string extensions)
    {
        using var response = await _server.Post($$"""{"extensions":{{extensions}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_REQUEST", ErrorCode(await GraphQLTestServer.ReadJson(response)));
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task A_request_with_neither_text_nor_hash_still_needs_a_query()
    {
        using var response = await _server.Post("""{"extensions":{"other":1}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_REQUEST", ErrorCode(await GraphQLTestServer.ReadJson(response)));
    }

    [Fact]
    public async Task Get_runs_a_known_query_by_its_hash_and_a_miss_is_not_cacheable()
    {
        const string query = "query ByGet($name: String) { hello(name: $name) }";
        var hash = Sha256(query);
        var extensions = Uri.EscapeDataString(Extensions(hash));
        var variables = Uri.EscapeDataString("""{"name":"Get"}""");

        using var miss = await _server.Get($"extensions={extensions}&variables={variables}");
        Assert.Equal(NotFound, ErrorCode(await GraphQLTestServer.ReadJson(miss)));
        Assert.True(miss.Headers.CacheControl?.NoStore);

        using var registered = await _server.Get($"query={Uri.EscapeDataString(query)}&extensions={extensions}&variables={variables}");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);

        using var known = await _server.Get($"extensions={extensions}&variables={variables}");
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Null(known.Headers.CacheControl);
        Assert.Equal("Hello, Get!", Hello(await GraphQLTestServer.ReadJson(known)));
    }

    [Theory]
    [InlineData(GraphQLTestServer.GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Get_refuses_a_persisted_mutation_with_405(string accept)
    {
        const string mutation = "mutation PersistedAdd { add(a: 40, b: 2) }";
        var hash = Sha256(mutation);
        using var registered = await _server.Post(Body(mutation, hash));
        Assert.Equal(42, (await GraphQLTestServer.ReadJson(registered)).GetProperty("data").GetProperty("add").GetInt32());

        using var response = await _server.Get($"extensions={Uri.EscapeDataString(Extensions(hash))}", accept);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
        Assert.False((await GraphQLTestServer.ReadJson(response)).TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Over_websocket_a_hash_is_registered_with_its_text_and_then_runs_alone()
    {
        const string query = "subscription PersistedTicks { ticks(count: 2) }";
        var hash = Sha256(query);
        await using var socket = await _server.Connect();
        await socket.Initialise();

        await socket.Send(new { type = "subscribe", id = "miss", payload = new { extensions = PersistedExtension(hash) } });
        var miss = await socket.Receive();
        Assert.Equal("error", miss.GetProperty("type").GetString());
        Assert.Equal(NotFound, miss.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());

        await socket.Send(new { type = "subscribe", id = "text", payload = new { query, extensions = PersistedExtension(hash) } });
        Assert.Equal([0, 1], await Ticks(socket));

        await socket.Send(new { type = "subscribe", id = "hash", payload = new { extensions = PersistedExtension(hash) } });
        Assert.Equal([0, 1], await Ticks(socket));
    }

    [Fact]
    public async Task Switched_off_a_hash_alone_is_answered_not_supported_and_a_text_with_its_hash_still_runs()
    {
        await using var server = await GraphQLTestServer.Start(new Dictionary<string, string?>
        {
            ["Omni:GraphQL:EnablePersistedQueries"] = "false",
        });
        const string query = "{ hello }";

        using var hashAlone = await server.Post(Body(null, Sha256(query)));
        var body = await GraphQLTestServer.ReadJson(hashAlone);
        Assert.Equal("PERSISTED_QUERY_NOT_SUPPORTED", ErrorCode(body));
        Assert.Equal("PersistedQueryNotSupported", body.GetProperty("errors")[0].GetProperty("message").GetString());

        // Apollo Client, told so, sends texts with no hash from then on; one in flight with its hash is not refused.
        using var withText = await server.Post(Body(query, Sha256(query)));
        Assert.Equal(HttpStatusCode.OK, withText.StatusCode);
        Assert.Equal("Hello, world!", Hello(await GraphQLTestServer.ReadJson(withText)));
    }

    [Fact]
    public async Task A_text_longer_than_the_whole_cache_is_never_remembered_by_its_hash()
    {
        using var cache = new GraphQLDocumentCache(Microsoft.Extensions.Options.Options.Create(
            new GraphQLTransportOptions { DocumentCacheChars = 20 }));
        const string query = "{ hello(name: \"a text longer than twenty characters\") }";
        var extensions = new Inputs(new Dictionary<string, object?>
        {
            ["persistedQuery"] = new Dictionary<string, object?> { ["version"] = 1, ["sha256Hash"] = Sha256(query) },
        });
        var ran = 0;
        Task<ExecutionResult> Run(ExecutionOptions options)
        {
            ran++;
            return Task.FromResult(new ExecutionResult { Executed = true, Document = Parser.Parse(options.Query!) });
        }

        await cache.ExecuteAsync(Options(query, extensions), Run);
        var hashAlone = await cache.ExecuteAsync(Options(null, extensions), Run);

        Assert.Equal(1, ran);
        Assert.Equal(NotFound, Assert.Single(hashAlone.Errors!).Code);
    }

    private static ExecutionOptions Options(string? query, Inputs extensions) => new()
    {
        Query = query,
        Extensions = extensions,
        ValidationRules = DocumentValidator.CoreRules,
        CachedDocumentValidationRules = [],
    };

    private static async Task<List<int>> Ticks(TestSocket socket)
    {
        var ticks = new List<int>();
        while (true)
        {
            var message = await socket.Receive();
            var type = message.GetProperty("type").GetString();
            if (type == "complete")
            {
                return ticks;
            }
            Assert.Equal("next", type);
            ticks.Add(message.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
        }
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static object PersistedExtension(string hash) => new { persistedQuery = new { version = 1, sha256Hash = hash } };

    private static string Extensions(string hash) => JsonSerializer.Serialize(PersistedExtension(hash));

    private static string Body(string? query, string hash, object? variables = null) =>
        JsonSerializer.Serialize(new { query, variables, extensions = PersistedExtension(hash) });

    private static string? ErrorCode(JsonElement body) =>
        body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString();

    private static string? Hello(JsonElement body) => body.GetProperty("data").GetProperty("hello").GetString();
}
