using System.Net.Http.Json;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Omni.Tests.Api;

/// <summary>GraphQL over HTTP to one API node, as a storefront or a till would speak it.</summary>
public sealed class ApiClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public Uri GraphQLUri { get; } = new(baseAddress, "/graphql");
    public Uri WebSocketUri { get; } = new UriBuilder(new Uri(baseAddress, "/graphql")) { Scheme = "ws" }.Uri;

    public async Task<string> Token(object request)
    {
        using var response = await _http.PostAsJsonAsync("/dev/token", request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public Task<HttpResponseMessage> PostToken(object request) => _http.PostAsJsonAsync("/dev/token", request);

    public async Task<GraphQLResponse> Send(string query, object? variables = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, GraphQLUri)
        {
            Content = JsonContent.Create(new { query, variables }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return new GraphQLResponse(document.RootElement.Clone());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One GraphQL response: data by path, and the GraphQL errors' codes.</summary>
public sealed record GraphQLResponse(JsonElement Root)
{
    public IReadOnlyList<string?> ErrorCodes =>
        Root.TryGetProperty("errors", out var errors)
            ? [.. errors.EnumerateArray().Select(e => e.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var code) ? code.GetString() : null)]
            : [];

    /// <summary>The value at a dotted path under <c>data</c> (<c>cart.lines.0.sku</c>); fails with the response when absent.</summary>
    public JsonElement this[string path]
    {
        get
        {
            Assert.True(Root.TryGetProperty("data", out var node) && node.ValueKind != JsonValueKind.Null, $"no data: {Root}");
            foreach (var step in path.Split('.'))
            {
                node = node.ValueKind == JsonValueKind.Array ? node[int.Parse(step, System.Globalization.CultureInfo.InvariantCulture)]
                    : node.TryGetProperty(step, out var next) ? next
                    : throw new Xunit.Sdk.XunitException($"no '{step}' in {path}: {Root}");
            }
            return node;
        }
    }

    /// <summary>Asserts the operation ran without GraphQL errors and returns it.</summary>
    public GraphQLResponse Ok()
    {
        Assert.True(ErrorCodes.Count == 0, $"GraphQL errors: {Root}");
        return this;
    }

    /// <summary>The codes of a payload's <c>errors</c> at <paramref name="payload"/>.</summary>
    public IReadOnlyList<string> UserErrors(string payload) =>
        [.. this[payload + ".errors"].EnumerateArray().Select(e => e.GetProperty("code").GetString()!)];

    public override string ToString() => Root.ToString();
}
