using Xunit.Abstractions;

namespace Omni.Tests.Failover;

/// <summary>
/// Issue 12 item 3, DESIGN rule 12: a silo SIGKILLed during a burst of reservations. Two silos and
/// an API node as real processes; the test kills only the silo it started, by its pid.
/// </summary>
[Trait("Tier", "Host")]
public sealed class SiloKillTests(ITestOutputHelper output)
{
    /// <summary>The targets: no call waits longer than this...</summary>
    public static readonly TimeSpan LongestCall = TimeSpan.FromSeconds(10);
    /// <summary>...and a dead silo's grains are served by the survivors within this of the kill.</summary>
    public static readonly TimeSpan ServedAgainWithin = TimeSpan.FromSeconds(15);
    /// <summary>HTTP and scheduling on a shared two-core machine, on top of the API's own deadline.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Killed_silo_fails_nobody_for_long_loses_no_hold_and_its_grains_come_back()
    {
        await using var db = await TestDatabase.Create();
        await using var survivor = HostProcess.Silo(db.ConnectionString);
        await using var victim = HostProcess.Silo(db.ConnectionString);
        await Task.WhenAll(survivor.WaitReady(Startup), victim.WaitReady(Startup));
        await using var api = HostProcess.Api(db.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__Auth__DevTokens"] = "true",
            ["Omni__RateLimit__PermitsPerSecond"] = "0",
        });
        await api.WaitReady(Startup);
        using var burst = await ReservationBurst.Prepare(api.BaseAddress, skuCount: 12, stockEach: 5000);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var running = burst.Run(workers: 12, stop.Token);
        await burst.WaitAcknowledged(200, TimeSpan.Zero, TimeSpan.FromSeconds(30), "the burst is under way");
        var killedAt = burst.Now;
        victim.Kill();
        var servedAfter = await burst.WaitServed(killedAt, ServedAgainWithin + TimeSpan.FromSeconds(15), readWithin: TimeSpan.FromSeconds(1));
        var recovered = burst.Now;
        await burst.WaitAcknowledged(200, recovered, TimeSpan.FromSeconds(30), "reservations go through after the failover");
        await stop.CancelAsync();
        await running;

        var summary = $"SIGKILL of one of two silos: grains served again {servedAfter.TotalSeconds:0.0} s after the kill; {burst.Summary()}";
        output.WriteLine(summary);
        Report.Write("failover-kill.txt", summary);
        Assert.True(victim.HasExited);
        Assert.False(survivor.HasExited, "the surviving silo stopped");
        Assert.True(servedAfter <= ServedAgainWithin, summary);
        var longest = burst.Calls.MaxBy(c => c.Waited)!;
        Assert.True(longest.Waited <= LongestCall + Slack, $"a call waited {longest.Waited.TotalSeconds:0.0} s ({longest.Outcome}): {summary}");
        Assert.All(burst.Calls, c => Assert.Contains(c.Outcome, new[] { "OK", "UNAVAILABLE" }));
        await burst.VerifyBooks();
    }
}

/// <summary>Measured figures left beside the screenshots in .omni/test-artifacts, for docs/architecture.md.</summary>
internal static class Report
{
    public static void Write(string name, string text)
    {
        var directory = Path.Combine(HostProcess.RepositoryRoot, ".omni", "test-artifacts");
        Directory.CreateDirectory(directory);
        File.AppendAllText(Path.Combine(directory, name), $"{DateTime.UtcNow:u} {text}{Environment.NewLine}");
    }
}
