using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Omni.Api.Auth;
using Omni.Api.Hosting;
using Omni.Api.Schema;
using Omni.Api.Transport;
using Omni.ServiceDefaults;
using Omni.Silo.Hosting;
using Omni.Tests.Api;
using OpenTelemetry.Trace;

namespace Omni.Tests.Tracing;

/// <summary>
/// The trace of one <c>addCartLine</c>, from the HTTP request on the API to the SQL on the silo. The
/// silo and the API are composed as their Program.cs compose them, but in this process, so one
/// in-memory exporter sees both; tracing is on because <c>Omni:Otlp:Endpoint</c> is set (to a port
/// nothing listens on: the OTLP export fails quietly, the in-memory one is what is asserted). The
/// request carries a <c>traceparent</c> of the test's own, so its spans are told apart from the
/// setup's and from anything else this process runs.
/// </summary>
[Trait("Tier", "Host")]
public sealed class TraceTreeTests
{
    [Fact]
    public async Task One_addCartLine_is_one_trace_from_the_http_request_through_the_grain_calls_to_the_sql()
    {
        var spans = new List<Activity>();
        await using var database = await TestDatabase.Create();
        await using var silo = await StartSilo(database.ConnectionString);
        await using var api = await StartApi(database.ConnectionString, spans);
        using var client = new ApiClient(new Uri(api.Urls.Single()));
        var ops = await OpsClient.Connect(client);
        await ops.DefineStore("s1", "Store Hamburg", "STORE", 53.5511, 9.9937, shipsOnline: false, pickup: true, priority: 100);
        var sku = await ops.NewProduct(4, ("s1", 5));
        var cartId = (await client.Send("mutation { startSession(channel: WEB) { session { cartId } } }")).Ok()["startSession.session.cartId"].GetString();
        // The steady state: this node has seen the SKU before (the first time, it asks the catalog
        // grain once whether the SKU exists; after that the node's known set answers).
        (await client.Send("query($sku: ID!) { availability(sku: $sku) { totalAvailable } }", new { sku })).Ok();
        var traceId = ActivityTraceId.CreateRandom();

        var added = await Send(client, traceId, """
            mutation($cartId: ID!, $sku: ID!) {
              addCartLine(cartId: $cartId, sku: $sku, quantity: 1, fulfillment: { kind: PICKUP, storeId: "s1" }) { cart { version } errors { code } }
            }
            """, new { cartId, sku });
        Assert.True(added.GetProperty("data").GetProperty("addCartLine").GetProperty("cart").ValueKind == JsonValueKind.Object, added.ToString());
        Assert.Equal(0, added.GetProperty("data").GetProperty("addCartLine").GetProperty("errors").GetArrayLength());

        // A one-way call (the SKU's report) may end after the response: wait for every call's server side.
        var trace = await Eventually.Get(
            () => Task.FromResult(Snapshot(spans, traceId)),
            t => t.Any(s => s.Source.Name == "Microsoft.AspNetCore")
                && GrainCalls(t).Count() >= ExpectedGrainCalls.Length
                && GrainCalls(t).All(call => t.Any(s => s.ParentSpanId == call.SpanId && s.Kind == ActivityKind.Server)),
            TimeSpan.FromSeconds(30), "the spans of the request and of every grain call it made");
        var tree = new SpanTree(trace);
        var request = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal("/graphql", request.GetTagItem("url.path"));

        // The API calls the cart grain; on the silo that call is a server span under the client's.
        var cartCall = Assert.Single(tree.ChildrenOf(request));
        Assert.Equal(("Microsoft.Orleans.Application", ActivityKind.Client, "ICartGrain/AddLine"), (cartCall.Source.Name, cartCall.Kind, cartCall.DisplayName));
        var cartServer = Assert.Single(tree.ChildrenOf(cartCall));
        Assert.Equal(ActivityKind.Server, cartServer.Kind);

        // Every grain call is pinned: a new hop shows up here as a failure, with the tree to read.
        Assert.True(ExpectedGrainCalls.SequenceEqual(GrainCalls(trace).Select(s => s.DisplayName).Order(StringComparer.Ordinal)), tree.ToString());
        Assert.All(GrainCalls(trace), call => Assert.Contains(request, tree.AncestorsOf(call)));

        // The SQL: the inventory's reservation and the cart's change are each made durable by one journal
        // commit, in the trace of the grain call that waits for it, with its one statement below.
        var inventoryServer = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.DisplayName == "IInventoryGrain/Reserve");
        var commits = trace.Where(s => s.Source.Name == JournalSourceName).ToList();
        Assert.Equal(2, commits.Count);
        Assert.Contains(commits, commit => commit.ParentSpanId == cartServer.SpanId);
        Assert.Contains(commits, commit => commit.ParentSpanId == inventoryServer.SpanId);
        Assert.All(commits, commit => Assert.Equal("Npgsql", Assert.Single(tree.ChildrenOf(commit)).Source.Name));
        Assert.All(trace.Where(s => s.Source.Name == "Npgsql"), sql => Assert.Contains(request, tree.AncestorsOf(sql)));
    }

    private static IEnumerable<Activity> GrainCalls(IEnumerable<Activity> trace) =>
        trace.Where(s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Client);

    /// <summary>
    /// What one addCartLine of a new anonymous cart calls, sorted by name. An anonymous cart that
    /// holds more claims the units at its client's count first (<c>IClientHoldsGrain</c>, beside the product read).
    /// </summary>
    private static readonly string[] ExpectedGrainCalls =
        ["ICartGrain/AddLine", "IClientHoldsGrain/Claim", "IInventoryGrain/Reserve", "IProductGrain/Get", "ISkuGrain/Report", "IStoreDirectoryGrain/List"];

    private const string JournalSourceName = Omni.Journal.JournalCommitter.ActivitySourceName;

    private static async Task<JsonElement> Send(ApiClient client, ActivityTraceId traceId, string query, object variables)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, client.GraphQLUri) { Content = JsonContent.Create(new { query, variables }) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static List<Activity> Snapshot(List<Activity> spans, ActivityTraceId traceId)
    {
        lock (spans)
        {
            return [.. spans.Where(s => s.TraceId == traceId)];
        }
    }

    private static Dictionary<string, string?> Tracing() => new()
    {
        [TracingExtensions.EndpointKey] = "http://127.0.0.1:9",
    };

    private static async Task<WebApplication> StartSilo(string postgres)
    {
        var settings = Tracing();
        settings["Omni:Postgres"] = postgres;
        settings["Omni:Silo:SiloPort"] = HostProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Omni:Silo:GatewayPort"] = HostProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Omni:Dashboard:Enabled"] = "false";
        var builder = Builder(settings);
        builder.AddServiceDefaults();
        builder.AddOmniSilo();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    /// <summary>The API as api/Program.cs composes it (less the demo and bench endpoints), exporting to <paramref name="spans"/> too.</summary>
    private static async Task<WebApplication> StartApi(string postgres, List<Activity> spans)
    {
        var settings = Tracing();
        settings["Omni:Postgres"] = postgres;
        settings["Omni:Auth:SigningKey"] = HostProcess.TestSigningKey;
        settings["Omni:Auth:DevTokens"] = "true";
        var builder = Builder(settings);
        builder.AddServiceDefaults();
        builder.AddOmniOrleansClient();
        builder.AddOmniAuth();
        builder.AddOmniRateLimiting();
        builder.Services.AddOmniSchema();
        builder.Services.AddGraphQLTransport(builder.Configuration.GetSection(GraphQLTransportOptions.SectionName));
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(new LockedList(spans)));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.MapDefaultEndpoints();
        app.MapDevTokens();
        app.MapGraphQL("/graphql");
        await app.StartAsync();
        await Eventually.True(async () =>
        {
            using var http = new HttpClient();
            using var ready = await http.GetAsync(new Uri(new Uri(app.Urls.Single()), "/health/ready"));
            return ready.IsSuccessStatusCode;
        }, OmniHosts.Startup, "the API node's readiness");
        return app;
    }

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.Sources.Clear();
        settings["Urls"] = "http://127.0.0.1:0";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>The in-memory exporter adds from the threads spans end on; the test reads under the same lock.</summary>
    private sealed class LockedList(List<Activity> spans) : ICollection<Activity>
    {
        public int Count { get { lock (spans) { return spans.Count; } } }
        public bool IsReadOnly => false;
        public void Add(Activity item) { lock (spans) { spans.Add(item); } }
        public void Clear() { lock (spans) { spans.Clear(); } }
        public bool Contains(Activity item) { lock (spans) { return spans.Contains(item); } }
        public void CopyTo(Activity[] array, int arrayIndex) { lock (spans) { spans.CopyTo(array, arrayIndex); } }
        public bool Remove(Activity item) { lock (spans) { return spans.Remove(item); } }
        public IEnumerator<Activity> GetEnumerator() { lock (spans) { return spans.ToList().GetEnumerator(); } }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class SpanTree(List<Activity> spans)
    {
        public IEnumerable<Activity> ChildrenOf(Activity parent) => spans.Where(s => s.ParentSpanId == parent.SpanId);

        public IEnumerable<Activity> DescendantsOf(Activity root) =>
            ChildrenOf(root).SelectMany(child => DescendantsOf(child).Prepend(child));

        public List<Activity> AncestorsOf(Activity span)
        {
            var ancestors = new List<Activity>();
            for (var parent = spans.Find(s => s.SpanId == span.ParentSpanId); parent is not null; parent = spans.Find(s => s.SpanId == parent.ParentSpanId))
            {
                ancestors.Add(parent);
            }
            return ancestors;
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            foreach (var root in spans.Where(s => spans.All(p => p.SpanId != s.ParentSpanId)))
            {
                Write(root, 0);
            }
            return text.ToString();

            void Write(Activity span, int depth)
            {
                text.Append(' ', depth * 2).Append(span.Source.Name).Append(' ').Append(span.Kind).Append(' ').AppendLine(span.DisplayName);
                foreach (var child in ChildrenOf(span))
                {
                    Write(child, depth + 1);
                }
            }
        }
    }
}
