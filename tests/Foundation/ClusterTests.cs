namespace Omni.Tests.Foundation;

/// <summary>Membership, grain state and reminders through the ADO.NET providers on a real PostgreSQL.</summary>
[Trait("Tier", "Cluster")]
[Collection(SiloCrashCollection.Name)]
public sealed class ClusterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task State_written_by_one_silo_is_read_back_by_a_new_silo_after_it_stopped()
    {
        await using var db = await TestDatabase.Create();
        var key = Guid.NewGuid().ToString();
        await using (var first = await OmniTestCluster.Start(db))
        {
            await first.Grains.GetGrain<ICounterGrain>(key).Add(42);
        }

        await using var second = await OmniTestCluster.Start(db);
        var value = await second.Grains.GetGrain<ICounterGrain>(key).Get();

        Assert.Equal(42, value);
    }

    [Fact]
    public async Task Grain_state_is_stored_as_plain_json_without_type_names()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db);
        await cluster.Grains.GetGrain<ICounterGrain>("json").Add(7);

        var payload = await db.Scalar<string>("SELECT convert_from(payloadbinary, 'UTF8') FROM orleansstorage WHERE graintypestring LIKE '%counter%'");

        Assert.Equal("""{"Value":7,"Ticks":0}""", payload);
    }

    [Fact]
    public async Task Two_silos_form_a_cluster_through_the_membership_table_and_one_takes_over_when_the_other_dies()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast);
        var active = await db.Scalar<long>("SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = $1 AND status = 3", cluster.ClusterId);
        Assert.Equal(2, active);

        var counters = Enumerable.Range(0, 20).Select(i => cluster.Grains.GetGrain<ICounterGrain>($"survivor-{i}")).ToList();
        foreach (var counter in counters)
        {
            await counter.Add(1);
        }
        var placement = await Task.WhenAll(counters.Select(c => c.Where()));
        var victim = cluster.Cluster.Silos.First(s => placement.Contains(s.SiloAddress.ToString()) || placement.Any(p => p.Contains(s.SiloAddress.ToParsableString())));
        var survivor = cluster.Cluster.Silos.Single(s => s != victim);
        var onVictim = counters.Where((_, i) => placement[i] != survivor.SiloAddress.ToString() && !placement[i].Contains(survivor.SiloAddress.ToParsableString())).ToList();
        Assert.NotEmpty(onVictim);

        await cluster.Cluster.KillSiloAsync(victim);

        foreach (var counter in onVictim)
        {
            var value = await Eventually.Get(() => counter.Get(), v => v == 1, Deadline, "counter reactivated on the survivor");
            Assert.Equal(1, value);
        }
        await Eventually.True(
            async () => await db.Scalar<long>("SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = $1 AND status = 6", cluster.ClusterId) == 1,
            Deadline, "the killed silo is declared dead in the membership table");
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_fires_after_it()
    {
        await using var db = await TestDatabase.Create();
        const string Key = "ticker";
        const string TicksSql = "SELECT coalesce(max((convert_from(payloadbinary, 'UTF8')::jsonb ->> 'Ticks')::int), 0) FROM orleansstorage WHERE graintypestring LIKE '%counter%'";
        await using (var before = await OmniTestCluster.Start(db))
        {
            await before.Grains.GetGrain<ICounterGrain>(Key).StartTicking(TimeSpan.FromSeconds(1));
        }
        var ticksWhenStopped = await db.Scalar<int>(TicksSql);

        // Nothing calls the grain after the restart: only the reminder service can make it tick.
        await using var after = await OmniTestCluster.Start(db);
        var ticks = await Eventually.Get(() => db.Scalar<int>(TicksSql), t => t > ticksWhenStopped, Deadline, "the reminder fires after the restart");

        Assert.True(ticks > ticksWhenStopped);
    }
}
