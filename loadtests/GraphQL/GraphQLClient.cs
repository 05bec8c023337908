using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Omni.LoadTests.GraphQL;

/// <summary>
/// GraphQL over HTTP (POST, JSON) against one API node, as a storefront or a till would call it.
/// A response is returned whenever the node answered with GraphQL; HTTP failures without a GraphQL
/// body throw <see cref="HttpRequestException"/> with the status code.
/// </summary>
public sealed class GraphQLClient(HttpClient http, Uri endpoint)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    public Uri Endpoint { get; } = endpoint;

    /// <summary>The HTTP client underneath (its connections, its source address), for calls beside GraphQL.</summary>
    public HttpClient Http { get; } = http;

    /// <summary>The node's root (for /dev/token and /bench).</summary>
    public Uri Node { get; } = new(endpoint, "/");

    public async Task<GraphQLResponse> Send(string query, object? variables = null, string? token = null, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Request(query, variables), GraphQLJson.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Accept.ParseAdd("application/graphql-response+json, application/json;q=0.9");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not ("application/json" or "application/graphql-response+json"))
        {
            throw new HttpRequestException($"{(int)response.StatusCode} from {Endpoint} without a GraphQL body", null,
                response.IsSuccessStatusCode ? HttpStatusCode.UnsupportedMediaType : response.StatusCode);
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return new GraphQLResponse(document, response.StatusCode);
    }

    /// <summary>An HTTP client for load: as many connections per node as there are callers, kept open.</summary>
    public static HttpClient CreateHttpClient(TimeSpan timeout, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null) => new(new SocketsHttpHandler
    {
        ConnectCallback = connect,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = int.MaxValue,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = timeout,
    };

    private sealed record Request(string Query, object? Variables);
}

/// <summary>One GraphQL answer: its <c>data</c> and the first of its <c>errors</c>, if any.</summary>
public sealed class GraphQLResponse(JsonDocument document, HttpStatusCode status) : IDisposable
{
    public HttpStatusCode Status { get; } = status;

    public JsonElement Data =>
        document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data : default;

    public bool HasErrors =>
        document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0;

    /// <summary>The first error's <c>extensions.code</c>, or GRAPHQL_ERROR when it has none.</summary>
    public string? ErrorCode
    {
        get
        {
            if (!HasErrors)
            {
                return null;
            }
            var first = document.RootElement.GetProperty("errors")[0];
            return first.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
                && extensions.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                    ? code.GetString()
                    : "GRAPHQL_ERROR";
        }
    }

    public string? ErrorMessage =>
        HasErrors && document.RootElement.GetProperty("errors")[0].TryGetProperty("message", out var message) ? message.GetString() : null;

    /// <summary>A top-level field of <c>data</c>.</summary>
    public JsonElement this[string field] =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(field, out var value) ? value : default;

    /// <summary>For <see cref="Runner.Step.Measure{T}"/>: a response with GraphQL errors is an error of kind <c>graphql:CODE</c>.</summary>
    public static string? ErrorOf(GraphQLResponse response) => response.HasErrors ? $"graphql:{response.ErrorCode}" : null;

    /// <summary>The data, or a <see cref="GraphQLException"/> when the node answered with errors.</summary>
    public JsonElement Require(string field)
    {
        if (HasErrors)
        {
            throw new GraphQLException(ErrorCode!, ErrorMessage ?? "");
        }
        return this[field];
    }

    public void Dispose() => document.Dispose();
}

/// <summary>A GraphQL error answer (not a domain refusal: those come in a payload's <c>errors</c>).</summary>
public sealed class GraphQLException(string code, string message) : Exception($"{code}: {message}")
{
    public string Code { get; } = code;
}

internal static class GraphQLJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
