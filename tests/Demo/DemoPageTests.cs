using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Omni.Tests.Demo;

/// <summary>
/// The demo page in a real headless Chromium against the real silo and API processes.
/// `./omni test` installs Debian's chromium when it can; where no browser can be had these are
/// skipped, counted and named (and fail under CI=true).
/// </summary>
[Trait("Tier", "Browser")]
public sealed class DemoPageTests : IClassFixture<DemoFixture>
{
    private readonly DemoFixture _demo;

    public DemoPageTests(DemoFixture demo) => _demo = demo;

    [BrowserFact]
    public async Task A_line_added_on_the_web_pane_appears_on_the_app_pane()
    {
        var page = await _demo.OpenDemo("web-to-app");
        var product = page.Locator("#products .product").First;
        var sku = await product.GetAttributeAsync("data-sku");

        await product.Locator("button[data-add=SHIP]").ClickAsync();

        await Expect(page.Locator($"#cart-lines .line[data-line='{sku}']")).ToContainTextAsync("1 ×", new() { Timeout = 15_000 });
        await Expect(page.Locator("#cart-totals")).ToContainTextAsync("last change from WEB");
        await Expect(page.Locator("#log")).ToContainTextAsync("[app] cart v");
    }

    [BrowserFact]
    public async Task The_till_takes_the_last_units_and_the_web_badge_drops_and_a_pickup_add_fails_clearly()
    {
        var page = await _demo.OpenDemo("till-takes-last");
        var product = page.Locator("#products .product").Nth(1);
        var sku = await product.GetAttributeAsync("data-sku");
        await page.Locator("#till-sku").SelectOptionAsync(sku!);

        await page.Locator("#till-sell-all").ClickAsync();
        await Expect(page.Locator("#till-message")).ToContainTextAsync("done", new() { Timeout = 15_000 });
        await Expect(product.Locator("[data-badge=store]")).ToHaveTextAsync("s1 0", new() { Timeout = 15_000 });
        // The till's movement list shows the sale live, on top of the opening receipt, with who sold.
        await Expect(page.Locator("#till-movements .movement").First).ToContainTextAsync("SOLD", new() { Timeout = 15_000 });
        await Expect(page.Locator("#till-movements .movement").First).ToContainTextAsync("staff:s1");
        await Expect(page.Locator("#till-movements .movement").Last).ToContainTextAsync("v1 RECEIVED");
        await product.Locator("button[data-add=PICKUP]").ClickAsync();

        await Expect(page.Locator("#web-message")).ToContainTextAsync("INSUFFICIENT_STOCK", new() { Timeout = 15_000 });
        await Expect(page.Locator("#web-message")).ToContainTextAsync("only 0");
        var shot = await File.ReadAllBytesAsync(await _demo.Screenshot(page, "demo-three-panes.png"));
        // A PNG of the whole page at the viewport's width (the panes are checked above; this checks the artifact).
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], shot[..8]);
        Assert.Equal(1500, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(shot.AsSpan(16, 4)));
        Assert.True(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(shot.AsSpan(20, 4)) >= 900, "a full-page shot is at least the viewport's height");
    }

    [BrowserFact]
    public async Task An_order_placed_for_pickup_on_the_web_reaches_the_till_queue_and_the_app_follows_it_to_completed()
    {
        var page = await _demo.OpenDemo("pickup-flow");
        var product = page.Locator("#products .product").Nth(2);
        var sku = await product.GetAttributeAsync("data-sku");
        await product.Locator("button[data-add=PICKUP]").ClickAsync();
        await Expect(page.Locator($"#cart-lines .line[data-line='{sku}']")).ToContainTextAsync("1 ×", new() { Timeout = 15_000 });

        await page.Locator("#web-checkout").ClickAsync();
        var placed = page.Locator("#orders .order").First;
        await Expect(placed).ToHaveAttributeAsync("data-status", "PLACED", new() { Timeout = 15_000 });
        var orderId = await placed.GetAttributeAsync("data-order");
        var queued = page.Locator($"#pickup-queue .order[data-order='{orderId}']");
        // Live: the queue was loaded before the order existed; only the subscription can bring it.
        await Expect(queued).ToHaveAttributeAsync("data-status", "OPEN", new() { Timeout = 15_000 });
        await Expect(queued).ToContainTextAsync($"1 × {sku}");

        await queued.Locator("button[data-action=ready]").ClickAsync();
        await Expect(queued).ToHaveAttributeAsync("data-status", "READY_FOR_PICKUP", new() { Timeout = 15_000 });
        await Expect(page.Locator($"#orders .order[data-order='{orderId}']")).ToHaveAttributeAsync("data-status", "READY_FOR_PICKUP", new() { Timeout = 15_000 });
        await Expect(queued).ToContainTextAsync("collect by");
        await queued.Locator("button[data-action=handover]").ClickAsync();

        await Expect(page.Locator($"#orders .order[data-order='{orderId}']")).ToHaveAttributeAsync("data-status", "COMPLETED", new() { Timeout = 15_000 });
        await Expect(queued).ToHaveCountAsync(0);
        await Expect(page.Locator("#log")).ToContainTextAsync("[till] pickup queue: order");
        await Expect(page.Locator("#log")).ToContainTextAsync("COMPLETED");
        await _demo.Screenshot(page, "demo-pickup-queue.png");
    }

    [BrowserFact]
    public async Task A_top_up_in_the_app_and_a_charge_at_the_till_move_the_balance_on_both_panes_and_the_timeline()
    {
        var page = await _demo.OpenDemo($"wallet-{Guid.NewGuid():N}"[..20]);

        await Expect(page.Locator("#wallet")).ToHaveAttributeAsync("data-version", "0", new() { Timeout = 15_000 });
        await page.Locator("#app-topup").ClickAsync();
        await Expect(page.Locator("#till-wallet")).ToContainTextAsync("10.00 EUR", new() { Timeout = 15_000 });
        await page.Locator("#till-charge").ClickAsync();

        await Expect(page.Locator("#wallet")).ToContainTextAsync("5.00 EUR", new() { Timeout = 15_000 });
        await Expect(page.Locator("#till-wallet")).ToHaveAttributeAsync("data-version", "2", new() { Timeout = 15_000 });
        await Expect(page.Locator("#timeline [data-entry=WALLET_CHARGED]")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(page.Locator("#timeline [data-entry=WALLET_TOPPED_UP]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#log")).ToContainTextAsync("[till] wallet of");
    }

    [Fact]
    public async Task Markup_in_the_url_is_shown_as_text_and_never_run()
    {
        const string Customer = "<img src=x onerror=\"document.body.dataset.pwned='customer'\">";
        const string Store = "<img src=x onerror=\"document.body.dataset.pwned='store'\">";
        var page = await _demo.OpenDemoAt($"customer={Uri.EscapeDataString(Customer)}&store={Uri.EscapeDataString(Store)}&products=%3Cb%3E");

        // The customer id is printable, so it is a valid (if odd) shopper: shown as text.
        await Expect(page.Locator("#who")).ToContainTextAsync(Customer);
        // The store is not one the API lists: the page falls back to the first pickup store.
        await Expect(page.Locator("[data-badge=store]").First).ToContainTextAsync("s1 ");
        Assert.Equal(0, await page.Locator("img").CountAsync());
        Assert.Null(await page.Locator("body").GetAttributeAsync("data-pwned"));
        Assert.True(await page.Locator("#products .product").CountAsync() > 0);
    }
}

public sealed class DemoFixture : IAsyncLifetime
{
    private OmniHosts? _hosts;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string BrowserPath => Requirements.BrowserPath;

    public async Task InitializeAsync()
    {
        if (!Requirements.HasBrowser)
        {
            if (!Requirements.Strict)
            {
                return; // every test here is skipped, saying why
            }
            throw new InvalidOperationException($"no Chromium at {BrowserPath}: install Debian's chromium (./omni test does when it runs as root) or set OMNI_CHROMIUM");
        }
        _hosts = await OmniHosts.Start(
            siloSettings: new Dictionary<string, string> { ["Omni__Seed__Demo"] = "true", ["Omni__Seed__Products"] = "24" },
            apiSettings: new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true" });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = BrowserPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
        });
    }

    /// <summary>A fresh page for one shopper, once the demo says it is live.</summary>
    public Task<IPage> OpenDemo(string shopper) => OpenDemoAt($"customer={shopper}&store=s1");

    /// <summary>A fresh page with the given query string, once the demo says it is live.</summary>
    public async Task<IPage> OpenDemoAt(string query)
    {
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 900 } });
        await page.GotoAsync(new Uri(_hosts!.Apis[0].BaseAddress, $"/demo?{query}").ToString());
        await page.WaitForSelectorAsync("body[data-ready=true]", new() { Timeout = 30_000 });
        return page;
    }

    public async Task<string> Screenshot(IPage page, string name)
    {
        var folder = Path.Combine(HostProcess.RepositoryRoot, ".omni", "test-artifacts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
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
