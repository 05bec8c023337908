using System.Net;
using Npgsql;
using Xunit.Abstractions;

namespace Omni.Tests.Failover;

/// <summary>
/// Issue 12 item 4, DESIGN rule 12: a silo that is alive but unreachable. Three silos as real
/// processes, the third in a network namespace of the test's own; during a burst of reservations
/// its cluster link is cut with prohibit routes while it still reaches PostgreSQL. The two on the
/// host are the majority: they declare it dead, it reads that from the table and stops, and its
/// grains come back on them. Then the link is healed and a new silo joins from the namespace.
/// (Two silos cut apart would each be a majority of one: which one survives is a race, so a
/// cluster that must survive partitions runs three or more.)
/// </summary>
[Collection(SiloCrashCollection.Name)]
[Trait("Tier", "Host")]
public sealed class SiloCutOffTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);
    /// <summary>Declared dead (about 3-6 s of missed probes) plus a table read (5 s) plus stopping.</summary>
    private static readonly TimeSpan StopsWithin = TimeSpan.FromSeconds(30);

    [NetworkFact]
    public async Task A_silo_cut_off_but_alive_is_declared_dead_stops_serving_and_nothing_is_lost_or_applied_twice()
    {
        await using var db = await TestDatabase.Create();
        await using var net = await NetworkNamespace.Create();
        var postgres = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        await using var forwarder = new TcpForwarder(IPAddress.Parse(net.DatabaseHost),
            new IPEndPoint(IPAddress.TryParse(postgres.Host, out var address) ? address : IPAddress.Loopback, postgres.Port));
        var fromInside = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = net.DatabaseHost, Port = forwarder.Port }.ConnectionString;
        var onHost = new Dictionary<string, string> { ["Omni__Silo__AdvertisedAddress"] = net.Host };

        await using var first = HostProcess.Silo(db.ConnectionString, onHost);
        await using var second = HostProcess.Silo(db.ConnectionString, onHost);
        await using var cutOff = HostProcess.Silo(fromInside, place: net);
        await Task.WhenAll(first.WaitReady(Startup), second.WaitReady(Startup), cutOff.WaitReady(Startup));
        await using var api = HostProcess.Api(db.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__Auth__DevTokens"] = "true",
            ["Omni__RateLimit__PermitsPerSecond"] = "0",
        });
        await api.WaitReady(Startup);
        // 24 SKUs spread over three silos: the chance that none lives on the one cut off is (2/3)^24.
        using var burst = await ReservationBurst.Prepare(api.BaseAddress, skuCount: 24, stockEach: 5000);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        var running = burst.Run(workers: 12, stop.Token);
        await burst.WaitAcknowledged(300, TimeSpan.Zero, TimeSpan.FromSeconds(30), "the burst is under way");
        var cutAt = burst.Now;
        await net.Cut();
        var servedAfter = await burst.WaitServed(cutAt, SiloKillTests.ServedAgainWithin + TimeSpan.FromSeconds(15), readWithin: TimeSpan.FromSeconds(1));
        await cutOff.WaitForExit(StopsWithin);
        var stoppedAfter = burst.Now - cutAt;
        var status = await db.Scalar<int>("SELECT status FROM orleansmembershiptable WHERE address = $1 ORDER BY generation DESC LIMIT 1", net.Inside);
        await burst.WaitAcknowledged(200, burst.Now, TimeSpan.FromSeconds(30), "reservations go through while the silo is cut off");

        await net.Heal();
        var healedAt = burst.Now;
        await using var rejoined = HostProcess.Silo(fromInside, place: net);
        await rejoined.WaitReady(Startup);
        await burst.WaitAcknowledged(200, healedAt, TimeSpan.FromSeconds(30), "reservations go through after the link is healed");
        await stop.CancelAsync();
        await running;

        var summary = $"silo cut off (alive, reaching PostgreSQL) of three: grains served again {servedAfter.TotalSeconds:0.0} s after the cut, " +
                      $"the cut-off silo stopped {stoppedAfter.TotalSeconds:0.0} s after it; {burst.Summary()}";
        output.WriteLine(summary);
        Report.Write("failover-cut-off.txt", summary);
        Assert.Equal(6, status); // SiloStatus.Dead: the majority declared it
        Assert.False(first.HasExited || second.HasExited, "a silo on the majority's side stopped");
        Assert.False(rejoined.HasExited, "the silo started after healing did not stay up");
        Assert.True(servedAfter <= SiloKillTests.ServedAgainWithin, summary);
        var longest = burst.Calls.MaxBy(c => c.Waited)!;
        Assert.True(longest.Waited <= SiloKillTests.LongestCall + SiloKillTests.Slack, $"a call waited {longest.Waited.TotalSeconds:0.0} s ({longest.Outcome}): {summary}");
        Assert.All(burst.Calls, c => Assert.Contains(c.Outcome, new[] { "OK", "UNAVAILABLE" }));
        await burst.VerifyBooks();
    }
}
