using Omni.Catalog;
using Omni.Inventory;

namespace Omni.Tests.Inventory;

/// <summary>No overselling under a race, and nothing acknowledged is lost when a silo dies.</summary>
[Trait("Tier", "Cluster")]
[Collection(SiloCrashCollection.Name)]
public sealed class InventoryConcurrencyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Hundreds_of_concurrent_reservations_through_two_silos_grant_exactly_the_stock()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2);
        var stock = await Stocked(cluster, "RACE-1", 150);

        // The client spreads its calls over both silos' gateways; the grain lives on one of them.
        var results = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => stock.Reserve($"r{i}", 1, TimeSpan.FromMinutes(15), $"cart:{i}")));

        var granted = results.Count(r => r.Succeeded);
        var refused = results.Where(r => !r.Succeeded).Select(r => r.Error!.Code).Distinct().ToList();
        Assert.Equal(150, granted);
        Assert.Equal([ErrorCode.INSUFFICIENT_STOCK], refused);
        await cluster.Cluster.DeactivateAsync(stock);
        var reloaded = await stock.GetStock();
        Assert.Equal((150, 150, 0), (reloaded.OnHand, reloaded.Reserved, reloaded.Available));
    }

    [Fact]
    public async Task A_silo_killed_mid_burst_loses_no_acknowledged_hold_and_grants_none_twice()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast);
        var stock = await Stocked(cluster, "CRASH-1", 1000);
        var host = cluster.HostOf(stock);

        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var killIssued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Eight tills, fifty reservations each, one after another. Once fifty are acknowledged the
        // tills wait for the kill to be issued, so it always lands mid-burst.
        var burst = Enumerable.Range(0, 8).Select(async till =>
        {
            for (var n = 0; n < 50; n++)
            {
                if (acknowledged.Count >= 50)
                {
                    await killIssued.Task;
                }
                var i = till * 50 + n;
                try
                {
                    var result = await stock.Reserve($"burst{i}", 1, TimeSpan.FromMinutes(15), $"cart:{i}");
                    if (result.Succeeded)
                    {
                        acknowledged.Add(result.Reservation!.Id);
                    }
                }
                catch (Exception)
                {
                    // In flight when the silo died: unknown outcome, which a retry with the same id settles.
                }
            }
        }).ToList();
        await Eventually.True(() => Task.FromResult(acknowledged.Count >= 50), Deadline, "part of the burst is acknowledged");
        var kill = cluster.Cluster.KillSiloAsync(host);
        var acknowledgedAtKill = acknowledged.Count;
        killIssued.SetResult();
        await kill;
        await Task.WhenAll(burst);
        Assert.True(acknowledgedAtKill < 400, "the silo died before the burst was over");

        var recovered = await Eventually.Get(() => stock.GetStock(), _ => true, Deadline, "the grain reactivates on the surviving silo");
        foreach (var id in acknowledged)
        {
            Assert.NotNull(await stock.GetReservation(id));
        }
        var holds = 0;
        for (var i = 0; i < 400; i++)
        {
            holds += await stock.GetReservation($"burst{i}") is null ? 0 : 1;
        }
        Assert.Equal(holds, recovered.Reserved);
        Assert.InRange(recovered.Reserved, acknowledged.Count, 400);
        Assert.Equal(1000, recovered.OnHand);
        Assert.Equal(1000 - recovered.Reserved, recovered.Available);
        // A retry of anything from the burst settles its outcome without granting twice.
        var retried = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => stock.Reserve($"burst{i}", 1, TimeSpan.FromMinutes(15), $"cart:{i}")));
        Assert.All(retried, r => Assert.True(r.Succeeded));
        Assert.Equal(400, (await stock.GetStock()).Reserved);
    }

    [Fact]
    public async Task Holds_that_lapse_while_their_silo_is_down_are_back_in_available_when_the_grain_returns()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast);
        var stock = await Stocked(cluster, "LAPSE-1", 10);
        await stock.Reserve("short", 4, TimeSpan.FromSeconds(30), "till");
        await stock.Reserve("long", 3, TimeSpan.FromHours(1), "till");
        var host = cluster.HostOf(stock);

        await cluster.Cluster.KillSiloAsync(host);
        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        // Nothing but a read reaches the grain: its new activation must let the short hold go on its own.
        var recovered = await Eventually.Get(() => stock.GetStock(), _ => true, Deadline, "the grain reactivates on the surviving silo");

        Assert.Equal((3, 7), (recovered.Reserved, recovered.Available));
        Assert.Null(await stock.GetReservation("short"));
        Assert.NotNull(await stock.GetReservation("long"));
    }

    /// <summary>The test network, one product, and its opening stock at the warehouse.</summary>
    private static async Task<IInventoryGrain> Stocked(OmniTestCluster cluster, string sku, int units)
    {
        await InventoryFixture.DefineNetwork(cluster.Grains);
        await cluster.Grains.GetGrain<IProductGrain>(sku).Define(sku, 1m, "EUR");
        var stock = cluster.Grains.Inventory("w1", sku);
        Assert.True((await stock.Receive("opening", units)).Succeeded);
        return stock;
    }
}
