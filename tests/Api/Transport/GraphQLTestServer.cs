using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using GraphQL;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omni.Api.Transport;

namespace Omni.Tests.Api.Transport;

/// <summary>
/// A real Kestrel on 127.0.0.1 and a random port, in the test process, serving <see cref="TestSchema"/>
/// through the transports as the API wires them. A request header <c>X-Test-User</c> stands in for the
/// authentication middleware.
/// </summary>
public sealed class GraphQLTestServer : IAsyncDisposable
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string TestUserHeader = "X-Test-User";

    private readonly WebApplication _app;

    private GraphQLTestServer(WebApplication app, Uri address)
    {
        _app = app;
        HttpUri = new Uri(address, "/graphql");
        WebSocketUri = new UriBuilder(HttpUri) { Scheme = "ws" }.Uri;
        Http = new HttpClient { BaseAddress = HttpUri };
        Events = app.Services.GetRequiredService<TestEventSource>();
    }

    public Uri HttpUri { get; }
    public Uri WebSocketUri { get; }
    public HttpClient Http { get; }
    public TestEventSource Events { get; }

    public static async Task<GraphQLTestServer> Start(
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<TestEventSource>();
        builder.Services.AddGraphQL(graphQL => graphQL.AddSchema<TestSchema>());
        builder.Services.AddGraphQLTransport(builder.Configuration.GetSection(GraphQLTransportOptions.SectionName));
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.Use((context, next) =>
        {
            if (context.Request.Headers.TryGetValue(TestUserHeader, out var name))
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name.ToString())], "Test"));
            }
            return next(context);
        });
        app.MapGraphQL();
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        return new GraphQLTestServer(app, new Uri(app.Urls.Single()));
    }

    public Task<HttpResponseMessage> Post(string body, string? accept = GraphQLResponseJson, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, HttpUri)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)),
        };
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostQuery(string query, object? variables = null, string? accept = GraphQLResponseJson) =>
        Post(JsonSerializer.Serialize(new { query, variables }), accept);

    public Task<HttpResponseMessage> Get(string queryString, string? accept = GraphQLResponseJson)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpUri + "?" + queryString));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        return Http.SendAsync(request);
    }

    public Task<TestSocket> Connect(Action<System.Net.WebSockets.ClientWebSocketOptions>? configure = null) =>
        TestSocket.Connect(WebSocketUri, configure);

    /// <summary>Proves the server still serves a plain query over HTTP, e.g. after refusing something.</summary>
    public async Task AssertAnswersOverHttp()
    {
        using var response = await PostQuery("{ hello }");
        var body = await ReadJson(response);
        Assert.Equal("Hello, world!", body.GetProperty("data").GetProperty("hello").GetString());
    }

    /// <summary>Proves the server still serves a query over a fresh socket.</summary>
    public async Task AssertAnswersOverWebSocket()
    {
        await using var socket = await Connect();
        await socket.Initialise();
        await socket.Subscribe("q", "{ hello }");
        var next = await socket.Receive();
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("Hello, world!", next.GetProperty("payload").GetProperty("data").GetProperty("hello").GetString());
        Assert.Equal("complete", (await socket.Receive()).GetProperty("type").GetString());
    }

    public static async Task<JsonElement> ReadJson(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
