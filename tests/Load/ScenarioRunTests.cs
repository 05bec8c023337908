using System.Net.Http.Json;
using Omni.LoadTests.Checks;

namespace Omni.Tests.Load;

/// <summary>
/// One tiny run of each scenario against the real silo and API processes, so the scenarios keep
/// working as the API changes. Each must pass its own invariants; no timing is asserted.
/// </summary>
[Collection(LoadCollection.Name)]
[Trait("Tier", "Load")]
public sealed class ScenarioRunTests(LoadFixture hosts)
{
    private static readonly string[] Tiny = ["--users", "4", "--duration", "2", "--warmup", "1", "--ceilings", "none"];

    [Fact]
    public async Task Browse_reads_pages_availabilities_and_nearest_stores_and_checks_what_it_reads()
    {
        var run = await hosts.Load("browse", ["browse", .. Tiny]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(run.Calls("availabilities") > 0, run.Log);
        Assert.True(run.Checks(Invariants.StockLevelsConsistent[..20]) > 0, run.Log);
        Assert.True(File.Exists(Path.Combine(run.Folder, "report.md")));
        Assert.True(File.Exists(Path.Combine(run.Folder, "latency-distribution.svg")));
    }

    [Fact]
    public async Task Cart_changes_and_checks_out_carts_and_reads_every_one_back()
    {
        var run = await hosts.Load("cart", ["cart", .. Tiny, "--skus", "20"]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(run.Calls("addCartLine") > 0, run.Log);
        Assert.True(run.Checks(Invariants.AcknowledgedChangesVisible[..20]) > 0, run.Log);
        Assert.True(run.Checks(Invariants.NoUnitOversold[..15]) > 0, run.Log);
    }

    [Fact]
    public async Task Live_subscribers_see_every_version_the_web_side_acknowledged()
    {
        var run = await hosts.Load("live", ["live", .. Tiny, "--subscribers", "8", "--live-skus", "20"]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(run.Calls("myCartUpdated event (after ack)") > 0, run.Log);
        Assert.True(run.Checks(Invariants.SubscribersSawEveryVersion[..20]) >= 8, run.Log);
    }

    [Fact]
    public async Task Pos_tills_reserve_commit_and_sell_and_every_unit_is_accounted_for()
    {
        var run = await hosts.Load("pos", ["pos", .. Tiny, "--pos-skus", "10", "--stores", "3"]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(run.Calls("reserveStock") > 0, run.Log);
        Assert.True(run.Checks(Invariants.AcknowledgedChangesVisible[..20]) > 0, run.Log);
    }

    [Fact]
    public async Task Wallet_tills_and_apps_change_balances_that_read_back_exactly_and_apps_see_every_version()
    {
        var run = await hosts.Load("wallet", ["wallet", .. Tiny, "--customers", "20", "--wallet-subscribers", "4", "--stores", "3"]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(run.Calls("chargeWallet") > 0 && run.Calls("topUpWallet") > 0, run.Log);
        Assert.True(run.Checks(Omni.LoadTests.Scenarios.Wallet.Exact[..20]) > 0, run.Log);
        Assert.True(run.Checks(Invariants.SubscribersSawEveryVersion[..20]) >= 4, run.Log);
    }

    [Fact]
    public async Task Flash_sale_grants_exactly_the_stock_through_the_grains_and_through_GraphQL()
    {
        var run = await hosts.Load("flash-sale", ["flash-sale", "--units", "300", "--users", "8", "--ceilings", "none"]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.Equal(2, run.Checks(Invariants.ExactlyTheStockGranted));
        Assert.Equal(300, run.Report.GetProperty("phases")[0].GetProperty("counters").GetProperty("granted").GetInt64());
        Assert.Equal(300, run.Report.GetProperty("phases")[1].GetProperty("counters").GetProperty("granted").GetInt64());
    }

    [Fact]
    public async Task Mixed_runs_every_scenario_at_once_in_the_open_model()
    {
        var run = await hosts.Load("mixed",
            ["mixed", "--model", "open", "--rate", "40", "--users", "10", "--duration", "2", "--warmup", "1", "--ceilings", "none",
             "--subscribers", "6", "--flash-units", "50", "--skus", "20", "--pos-skus", "10", "--live-skus", "10", "--stores", "3"]);

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(run.Checks(Invariants.SubscribersSawEveryVersion[..20]) > 0, run.Log);
        Assert.True(run.Checks(Invariants.ExactlyTheStockGranted) > 0, run.Log);
    }

    [Fact]
    public async Task Ceilings_are_measured_beside_the_scenario_at_the_same_concurrency()
    {
        var run = await hosts.Load("cart-ceilings", ["cart", .. Tiny[..^2], "--ceilings", "all", "--ceiling-duration", "2", "--skus", "20"]);

        Assert.True(run.Exit == 0, run.Log);
        var ceilings = run.Report.GetProperty("ceilings").EnumerateArray().ToDictionary(c => c.GetProperty("kind").GetString()!);
        Assert.Equal(["Pgbench", "GraphQL", "Bare", "Orleans"], ceilings.Keys);
        foreach (var (kind, ceiling) in ceilings)
        {
            Assert.True(ceiling.GetProperty("skipped").ValueKind == System.Text.Json.JsonValueKind.Null, $"{kind}: {ceiling.GetProperty("skipped")}\n{run.Log}");
            Assert.True(ceiling.GetProperty("throughput").GetDouble() > 0, $"{kind}\n{run.Log}");
            Assert.Equal(4, ceiling.GetProperty("concurrency").GetInt32());
        }
        var target = run.Report.GetProperty("targets")[0];
        Assert.True(target.GetProperty("ratio").GetDouble() > 0, run.Log);
    }

    [Fact]
    public async Task Memory_probe_measures_bytes_per_cart_and_per_subscription()
    {
        var run = await hosts.Load("memory", ["memory", "--carts", "300", "--subscriptions", "10"]);

        Assert.True(run.Exit == 0, run.Log);
        var results = run.Report.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([300, 10], results.Select(r => r.GetProperty("count").GetInt32()));
        foreach (var result in results)
        {
            var (before, after) = (result.GetProperty("before"), result.GetProperty("after"));
            foreach (var sample in new[] { before, after })
            {
                // The heap is the runtime's own figure after the GC the probe asked for, not a stale metric;
                // an ASP.NET Core host with Orleans never has less than a megabyte of it.
                Assert.True(sample.GetProperty("gcInduced").GetBoolean(), run.Log);
                Assert.InRange(sample.GetProperty("heapBytes").GetInt64(), 1L << 20, 16L << 30);
            }
            // The per-item figure is exactly the difference of the two samples over the count.
            var expected = (after.GetProperty("heapBytes").GetInt64() - before.GetProperty("heapBytes").GetInt64()) / (double)result.GetProperty("count").GetInt32();
            Assert.Equal(expected, result.GetProperty("heapBytesPerItem").GetDouble(), precision: 6);
        }
    }

    [Fact]
    public async Task The_profiler_samples_a_host_process_and_writes_what_it_found()
    {
        // The profiler is for a node under load: an idle API can sit in native waits for the whole
        // window and give no managed sample at all. Keep it busy with queries until the profile is taken.
        using var stop = new CancellationTokenSource();
        var busy = Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = hosts.ApiAddress };
            var requests = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.PostAsJsonAsync("/graphql", new { query = "{ stores { id name kind } }" }, stop.Token);
                    requests++;
                }
                catch (OperationCanceledException)
                {
                }
            }
            return requests;
        });
        // Nearly every managed stack runs on a thread-pool thread: the focus must find paths.
        var run = await hosts.Load("profile", ["profile", "--process", "api", "--seconds", "2", "--focus", "System.Threading"]);
        await stop.CancelAsync();
        var requests = await busy;

        Assert.True(run.Exit == 0, run.Log);
        Assert.True(requests > 0, "no query reached the API while it was profiled");
        var profile = await File.ReadAllTextAsync(Path.Combine(run.Folder, "profile.md"));
        var samples = System.Text.RegularExpressions.Regex.Match(profile, @"([\d,]+) samples of threads running managed code");
        Assert.True(samples.Success, profile);
        Assert.True(Number(samples.Groups[1].Value) > 0, $"an API answering {requests} queries ran no managed code in 2 s?\n{profile}");
        Assert.Contains("## Call paths through `System.Threading`", profile);
        var focus = profile[profile.IndexOf("## Call paths through `System.Threading`", StringComparison.Ordinal)..];
        var paths = System.Text.RegularExpressions.Regex.Matches(focus, @"^\| ([\d,]+) \| [\d.]+ % \|", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(paths.Sum(p => Number(p.Groups[1].Value)) > 0, $"no call path through System.Threading:\n{profile}");
    }

    private static long Number(string text) =>
        long.Parse(text, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_bad_option_is_a_usage_error_not_a_run()
    {
        var run = await hosts.Load("bad", ["cart", "--model", "sideways"]);

        Assert.Equal(2, run.Exit);
        Assert.Contains("--model is closed or open", run.Log);
    }
}
