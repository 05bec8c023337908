using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Omni.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Omni.Tests.Demo;

/// <summary>
/// GraphiQL at /graphql, served by the real API process from the bundle its build made (no internet),
/// driven in a real headless Chromium: a query over HTTP, a subscription over graphql-transport-ws,
/// and a mutation with a one-click dev token. Where the API was built without Node.js (no bundle) or
/// there is no Chromium, the browser test is skipped, saying why; under CI=true it fails instead.
/// </summary>
[Trait("Tier", "Browser")]
public sealed class GraphiQLTests(GraphiQLFixture ide) : IClassFixture<GraphiQLFixture>
{
    [IdeFact]
    public async Task A_query_a_subscription_and_a_mutation_with_a_dev_token_run_from_the_ide()
    {
        var sku = await ide.Ops.NewProduct(4, ("s1", 5));

        // The subscription, in a page of its own: the stock now (5), then the receipt below (8).
        var watching = await ide.Open($$"""subscription { stockChanged(sku: "{{sku}}", storeId: "s1") { sku onHand version } }""");
        await Run(watching);
        await Expect(Response(watching)).ToContainTextAsync(new Regex("\"onHand\":\\s*5"), new() { Timeout = 30_000 });

        // A public query over HTTP.
        var page = await ide.Open("query { stores { id name } }");
        await Run(page);
        await Expect(Response(page)).ToContainTextAsync("Store Hamburg", new() { Timeout = 30_000 });

        // A mutation only ops may run: refused without a token, done with the ops button's.
        await SetQuery(page, $$"""mutation { receiveStock(storeId: "s1", sku: "{{sku}}", quantity: 3, movementId: "{{Guid.NewGuid():N}}") { stock { onHand } errors { code } } }""");
        await Run(page);
        await Expect(Response(page)).ToContainTextAsync(new Regex("UNAUTHENTICATED|FORBIDDEN"), new() { Timeout = 30_000 });
        await page.Locator("button[data-token=ops]").ClickAsync();
        await Expect(page.Locator("[data-status]")).ToHaveTextAsync("OPS");
        await Run(page);
        await Expect(Response(page)).ToContainTextAsync(new Regex("\"onHand\":\\s*8"), new() { Timeout = 30_000 });

        await Expect(Response(watching)).ToContainTextAsync(new Regex("\"onHand\":\\s*8"), new() { Timeout = 30_000 });
        await ide.Screenshot(watching, "graphiql-subscription.png");
    }

    [Fact]
    public async Task Graphql_clients_still_get_json_from_get_and_only_a_browser_gets_the_page()
    {
        using var http = new HttpClient { BaseAddress = ide.Api };

        using var json = await http.SendAsync(Get("/graphql?query=%7B__typename%7D", "application/json"));
        using var browser = await http.SendAsync(Get("/graphql", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));

        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"__typename\":\"Query\"", await json.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        if (!ide.Built)
        {
            Assert.Equal(HttpStatusCode.NotAcceptable, browser.StatusCode); // no IDE without a bundle: the transport's own answer
            return;
        }
        Assert.Equal("text/html", browser.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", browser.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var page = await browser.Content.ReadAsStringAsync();
        Assert.Contains("/graphiql/graphiql.js", page, StringComparison.Ordinal);
        using var script = await http.GetAsync("/graphiql/graphiql.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task Switched_off_the_api_serves_no_ide()
    {
        var api = await ide.Hosts.AddApi(new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true", ["Omni__GraphQL__Ide"] = "false" });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        using var browser = await http.SendAsync(Get("/graphql", "text/html"));
        using var script = await http.GetAsync("/graphiql/graphiql.js");

        Assert.Equal(HttpStatusCode.NotAcceptable, browser.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);
    }

    private static HttpRequestMessage Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    private static ILocator Response(IPage page) => page.Locator(".graphiql-response");

    private static async Task Run(IPage page)
    {
        await page.Locator("button.graphiql-execute-button").ClickAsync();
    }

    /// <summary>Replaces the query editor's text the way a user would: select all, then type over it.</summary>
    private static async Task SetQuery(IPage page, string query)
    {
        await page.Locator(".graphiql-query-editor .monaco-editor").ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.PressAsync("Delete");
        // Monaco closes brackets and quotes as they are typed; inserting the text as one piece does not.
        await page.Keyboard.InsertTextAsync(query);
    }
}

/// <summary>A GraphiQL browser test: it needs Chromium and the bundle the API's build makes with Node.js.</summary>
public sealed class IdeFactAttribute : FactAttribute
{
    public IdeFactAttribute()
    {
        if (Requirements.Strict)
        {
            return;
        }
        if (!Requirements.HasBrowser)
        {
            Skip = $"no Chromium at {Requirements.BrowserPath}: install Debian's chromium (./omni test does when it runs as root) or set OMNI_CHROMIUM";
        }
        else if (!GraphiQLFixture.BundleBuilt)
        {
            Skip = "the API was built without GraphiQL (no Node.js/npm at build time): install Debian's nodejs and npm (./omni does when it runs as root)";
        }
    }
}

public sealed class GraphiQLFixture : IAsyncLifetime
{
    private OmniHosts? _hosts;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static bool BundleBuilt => File.Exists(Path.Combine(HostProcess.RepositoryRoot, "api", "bin",
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        "net10.0", "graphiql", "graphiql.js"));

    public bool Built => BundleBuilt;
    public OmniHosts Hosts => _hosts ?? throw new InvalidOperationException("not started");
    public Uri Api => Hosts.Apis[0].BaseAddress;
    public OpsClient Ops { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _hosts = await OmniHosts.Start(apiSettings: new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true" });
        Ops = await OpsClient.Connect(new ApiClient(Api));
        await Ops.DefineStore("s1", "Store Hamburg", "STORE", 53.5511, 9.9937, shipsOnline: false, pickup: true, priority: 100);
        if (Requirements.HasBrowser && (BundleBuilt || Requirements.Strict))
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Requirements.BrowserPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
            });
        }
    }

    /// <summary>A fresh page (empty storage) with GraphiQL open on <paramref name="query"/>, once its editors are up.</summary>
    public async Task<IPage> Open(string query)
    {
        if (_browser is null)
        {
            throw new InvalidOperationException(BundleBuilt
                ? $"no Chromium at {Requirements.BrowserPath}"
                : "the API was built without GraphiQL (no Node.js/npm at build time)");
        }
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Api, $"/graphql?query={Uri.EscapeDataString(query)}").ToString());
        await page.Locator(".graphiql-query-editor .monaco-editor").WaitForAsync(new() { Timeout = 30_000 });
        return page;
    }

    public async Task Screenshot(IPage page, string name)
    {
        var folder = Path.Combine(HostProcess.RepositoryRoot, ".omni", "test-artifacts");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name) });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_hosts is not null)
        {
            await _hosts.DisposeAsync();
        }
    }
}
