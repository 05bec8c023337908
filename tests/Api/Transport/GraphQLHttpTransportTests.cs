using System.Net;
using System.Text;
using System.Text.Json;

namespace Omni.Tests.Api.Transport;

/// <summary>GraphQL over HTTP, rule by rule, as graphql.github.io/graphql-over-http states them.</summary>
[Trait("Tier", "Unit")]
public sealed class GraphQLHttpTransportTests(GraphQLServerFixture fixture) : IClassFixture<GraphQLServerFixture>
{
    private const string Json = "application/json";
    private readonly GraphQLTestServer _server = fixture.Server;

    [Fact]
    public async Task Post_answers_in_graphql_response_json_when_asked_for_it()
    {
        using var response = await _server.PostQuery("query ($name: String) { hello(name: $name) }", new { name = "Ada" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(GraphQLTestServer.GraphQLResponseJson, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var body = await GraphQLTestServer.ReadJson(response);
        Assert.Equal("Hello, Ada!", body.GetProperty("data").GetProperty("hello").GetString());
    }

    [Fact]
    public async Task Post_without_accept_answers_in_graphql_response_json()
    {
        using var response = await _server.PostQuery("{ hello }", accept: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(GraphQLTestServer.GraphQLResponseJson, response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("*/*")]
    [InlineData("text/html, application/json;q=0.5")]
    public async Task Post_answers_in_application_json_when_the_client_asks_for_it_or_for_anything(string accept)
    {
        using var response = await _server.PostQuery("{ hello }", accept: accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Json, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Hello, world!", (await GraphQLTestServer.ReadJson(response)).GetProperty("data").GetProperty("hello").GetString());
    }

    [Fact]
    public async Task The_highest_quality_acceptable_media_type_wins()
    {
        using var response = await _server.PostQuery("{ hello }", accept: $"{Json};q=0.9, {GraphQLTestServer.GraphQLResponseJson}");

        Assert.Equal(GraphQLTestServer.GraphQLResponseJson, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Post_runs_mutations()
    {
        using var response = await _server.PostQuery("mutation { add(a: 2, b: 3) }");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, (await GraphQLTestServer.ReadJson(response)).GetProperty("data").GetProperty("add").GetInt32());
    }

    [Fact]
    public async Task Get_runs_queries_from_the_query_string()
    {
        var query = Uri.EscapeDataString("query Greet($name: String) { hello(name: $name) }");
        var variables = Uri.EscapeDataString("""{"name":"Grace"}""");

        using var response = await _server.Get($"query={query}&variables={variables}&operationName=Greet");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello, Grace!", (await GraphQLTestServer.ReadJson(response)).GetProperty("data").GetProperty("hello").GetString());
    }

    [Theory]
    [InlineData(GraphQLTestServer.GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Get_refuses_a_mutation_with_405_and_allow_post(string accept)
    {
        using var response = await _server.Get("query=" + Uri.EscapeDataString("mutation { add(a: 1, b: 1) }"), accept);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", Assert.Single(response.Content.Headers.Allow));
        var error = (await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0];
        Assert.Equal("OPERATION_NOT_ALLOWED", Code(error));
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task Get_picks_the_operation_by_name_before_refusing_a_mutation()
    {
        var document = Uri.EscapeDataString("query Read { hello } mutation Write { add(a: 1, b: 1) }");

        using var read = await _server.Get($"query={document}&operationName=Read");
        using var write = await _server.Get($"query={document}&operationName=Write");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, write.StatusCode);
    }

    [Fact]
    public async Task A_document_that_does_not_parse_is_400_with_graphql_response_json()
    {
        using var response = await _server.PostQuery("{ hello");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(GraphQLTestServer.GraphQLResponseJson, response.Content.Headers.ContentType?.MediaType);
        var body = await GraphQLTestServer.ReadJson(response);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.Equal("SYNTAX_ERROR", Code(body.GetProperty("errors")[0]));
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task A_document_that_does_not_validate_is_400_with_graphql_response_json()
    {
        using var response = await _server.PostQuery("{ nosuchfield }");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await GraphQLTestServer.ReadJson(response);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.False(string.IsNullOrEmpty(Code(body.GetProperty("errors")[0])));
        await _server.AssertAnswersOverHttp();
    }

    [Theory]
    [InlineData("{ hello")]
    [InlineData("{ nosuchfield }")]
    [InlineData("query ($n: Int!) { hello }")]
    public async Task With_application_json_a_request_that_fails_to_parse_or_validate_is_200_with_errors(string query)
    {
        using var response = await _server.PostQuery(query, accept: Json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await GraphQLTestServer.ReadJson(response);
        Assert.NotEqual(0, body.GetProperty("errors").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(Code(body.GetProperty("errors")[0])));
    }

    [Fact]
    public async Task An_unsupported_accept_is_406()
    {
        using var response = await _server.PostQuery("{ hello }", accept: "text/html");

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        await _server.AssertAnswersOverHttp();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/graphql")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Post_with_an_unsupported_content_type_is_415(string contentType)
    {
        using var response = await _server.Post("""{"query":"{ hello }"}""", contentType: contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await _server.AssertAnswersOverHttp();
    }

    [Theory]
    [InlineData("NONSENSE", "INVALID_JSON")]
    [InlineData("""{"query":""", "INVALID_JSON")]
    [InlineData("[]", "INVALID_REQUEST")]
    [InlineData("""{"qeury":"{ hello }"}""", "INVALID_REQUEST")]
    [InlineData("""{"query":42}""", "INVALID_REQUEST")]
    [InlineData("""{"query":{"a":1}}""", "INVALID_REQUEST")]
    [InlineData("""{"query":"{ hello }","variables":[7]}""", "INVALID_REQUEST")]
    [InlineData("""{"query":"{ hello }","variables":"{}"}""", "INVALID_REQUEST")]
    [InlineData("""{"query":"{ hello }","operationName":3}""", "INVALID_REQUEST")]
    [InlineData("""{"query":"{ hello }","extensions":true}""", "INVALID_REQUEST")]
    public async Task A_body_that_is_not_a_well_formed_request_is_400_with_a_graphql_error(string body, string code)
    {
        using var response = await _server.Post(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await GraphQLTestServer.ReadJson(response);
        Assert.False(json.TryGetProperty("data", out _));
        Assert.Equal(code, Code(json.GetProperty("errors")[0]));
        await _server.AssertAnswersOverHttp();
    }

    [Theory]
    [InlineData("operationName=x")]
    [InlineData("query=%7B%20hello%20%7D&variables=%5B7%5D")]
    [InlineData("query=%7B%20hello%20%7D&variables=nonsense")]
    [InlineData("query=%7B%20hello%20%7D&query=%7B%20me%20%7D")]
    public async Task A_query_string_that_is_not_a_well_formed_request_is_400(string queryString)
    {
        using var response = await _server.Get(queryString);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_REQUEST", Code((await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0]));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var padding = new string(' ', 64 * 1024);

        using var response = await _server.Post($$"""{"query":"{ hello }{{padding}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("REQUEST_TOO_LARGE", Code((await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0]));
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var body = new StringBuilder("""{"query":"{ hello }","extensions":{"pad":" """).Append('x', 70 * 1024).Append("\"}}").ToString();
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.HttpUri) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task An_over_deep_query_is_refused()
    {
        var query = "{ node { " + string.Concat(Enumerable.Repeat("child { ", 12)) + "depth" + new string('}', 13) + " }";

        using var response = await _server.PostQuery(query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0];
        Assert.Contains("depth", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task A_query_just_within_the_depth_limit_runs()
    {
        var query = "{ node { " + string.Concat(Enumerable.Repeat("child { ", 10)) + "depth" + new string('}', 11) + " }";

        using var response = await _server.PostQuery(query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // Parsed, valid documents are cached by their text (GraphQLDocumentCache); the rules that depend
    // on the operation picked or on the transport must still run when one is taken from the cache.

    [Fact]
    public async Task A_cached_document_is_still_measured_for_the_operation_picked()
    {
        var deep = "node { " + string.Concat(Enumerable.Repeat("child { ", 12)) + "depth" + new string('}', 13);
        var document = $"query Shallow {{ hello }} query Deep {{ {deep} }}";

        using var shallow = await _server.Post(JsonSerializer.Serialize(new { query = document, operationName = "Shallow" }));
        using var deepAfterwards = await _server.Post(JsonSerializer.Serialize(new { query = document, operationName = "Deep" }));

        Assert.Equal(HttpStatusCode.OK, shallow.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, deepAfterwards.StatusCode);
        Assert.Contains("depth", (await GraphQLTestServer.ReadJson(deepAfterwards)).GetProperty("errors")[0].GetProperty("message").GetString(),
            StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_mutation_cached_from_a_post_is_still_refused_over_get()
    {
        const string document = "mutation Write { add(a: 20, b: 22) }";

        using var post = await _server.PostQuery(document);
        using var get = await _server.Get("query=" + Uri.EscapeDataString(document));

        Assert.Equal(42, (await GraphQLTestServer.ReadJson(post)).GetProperty("data").GetProperty("add").GetInt32());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task A_cached_document_still_has_its_variables_checked()
    {
        const string document = "query Greet($name: String!) { hello(name: $name) }";

        using var valid = await _server.PostQuery(document, new { name = "Ada" });
        using var invalid = await _server.PostQuery(document, new { name = new[] { 1, 2 } });
        using var missing = await _server.PostQuery(document);

        Assert.Equal("Hello, Ada!", (await GraphQLTestServer.ReadJson(valid)).GetProperty("data").GetProperty("hello").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("INVALID_VALUE", Code((await GraphQLTestServer.ReadJson(missing)).GetProperty("errors")[0]));
    }

    [Fact]
    public async Task A_refused_document_is_refused_every_time()
    {
        var query = "{ node { " + string.Concat(Enumerable.Repeat("child { ", 12)) + "depth" + new string('}', 13) + " } hello }";

        using var first = await _server.PostQuery(query);
        using var second = await _server.PostQuery(query);

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
    }

    [Fact]
    public async Task Too_many_aliases_are_refused()
    {
        var query = "{ " + string.Join(" ", Enumerable.Range(0, 31).Select(i => $"a{i}: hello")) + " }";

        using var response = await _server.PostQuery(query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("MAX_ALIASES_EXCEEDED", Code((await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0]));
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task Aliases_up_to_the_limit_run()
    {
        var query = "{ " + string.Join(" ", Enumerable.Range(0, 30).Select(i => $"a{i}: hello")) + " }";

        using var response = await _server.PostQuery(query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_subscription_over_http_is_refused()
    {
        using var response = await _server.PostQuery("subscription { ticks(count: 1) }");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OPERATION_NOT_ALLOWED", Code((await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0]));
    }

    [Fact]
    public async Task A_resolver_exception_is_a_coded_error_without_its_details()
    {
        using var response = await _server.PostQuery("{ hello boom }");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("Hello, world!", body.GetProperty("data").GetProperty("hello").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").GetProperty("boom").ValueKind);
        Assert.Equal("INTERNAL", Code(body.GetProperty("errors")[0]));
        Assert.DoesNotContain("secret detail", text, StringComparison.Ordinal);
        Assert.DoesNotContain("StackTrace", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(".cs:line", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_run_as_the_request_user()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.HttpUri)
        {
            Content = new StringContent("""{"query":"{ me }"}""", Encoding.UTF8, Json),
        };
        request.Headers.Add(GraphQLTestServer.TestUserHeader, "alice");

        using var response = await _server.Http.SendAsync(request);

        Assert.Equal("alice", (await GraphQLTestServer.ReadJson(response)).GetProperty("data").GetProperty("me").GetString());
    }

    [Fact]
    public async Task Other_methods_are_405()
    {
        using var response = await _server.Http.PutAsync(_server.HttpUri, new StringContent("""{"query":"{ hello }"}""", Encoding.UTF8, Json));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Introspection_is_on_by_default()
    {
        using var response = await _server.PostQuery("{ __schema { queryType { name } } }");

        Assert.Equal("Query", (await GraphQLTestServer.ReadJson(response)).GetProperty("data").GetProperty("__schema").GetProperty("queryType").GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_standard_introspection_query_passes_the_default_limits()
    {
        using var response = await _server.PostQuery(IntrospectionQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schema = (await GraphQLTestServer.ReadJson(response)).GetProperty("data").GetProperty("__schema");
        Assert.Equal("Subscription", schema.GetProperty("subscriptionType").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }")]
    [InlineData("{ __type(name: \"Query\") { fields { type { interfaces { possibleTypes { name } } } } } }")]
    [InlineData("{ __schema { types { ...F } } } fragment F on __Type { fields { type { ...G } } } fragment G on __Type { fields { type { fields { name } } } }")]
    public async Task Introspection_nesting_lists_of_types_three_deep_is_refused(string query)
    {
        using var response = await _server.PostQuery(query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INTROSPECTION_TOO_DEEP", Code((await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0]));
        await _server.AssertAnswersOverHttp();
    }

    [Fact]
    public async Task Introspection_mixed_into_an_ordinary_query_gets_the_ordinary_limits()
    {
        using var response = await _server.PostQuery("{ hello " + IntrospectionQuery.Split("query IntrospectionQuery {", 2)[1]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("COMPLEXITY", Code((await GraphQLTestServer.ReadJson(response)).GetProperty("errors")[0]));
    }

    [Fact]
    public async Task Introspection_can_be_turned_off()
    {
        await using var server = await GraphQLTestServer.Start(new Dictionary<string, string?> { ["Omni:GraphQL:EnableIntrospection"] = "false" });

        using var response = await server.PostQuery("{ __schema { queryType { name } } }");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await server.AssertAnswersOverHttp();
    }

    /// <summary>What GraphiQL and graphql-js's getIntrospectionQuery send, with its nine levels of ofType.</summary>
    private const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
            ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
        }
        """;

    internal static string? Code(JsonElement error) =>
        error.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("code", out var code) ? code.GetString() : null;
}
