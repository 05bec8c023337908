using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Omni.Inventory;

namespace Omni.Tests.Inventory;

[Collection(InventoryCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class InventoryGrainTests(InventoryFixture fixture)
{
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(15);
    private IInventoryGrain Stock(string sku, string store = "s1") => fixture.Grains.Inventory(store, sku);

    [Fact]
    public async Task Every_operation_repeated_with_the_same_id_returns_the_first_outcome_and_changes_nothing()
    {
        var stock = Stock(await fixture.NewSku());

        async Task Twice(Func<Task<StockResult>> call)
        {
            var first = await call();
            var levelAfterFirst = await stock.GetStock();
            var again = await call();
            Assert.True(first.Succeeded, first.Error?.Message);
            Assert.Equal(first, again);
            Assert.Equal(levelAfterFirst, await stock.GetStock());
        }

        await Twice(() => stock.Receive("m1", 20));
        await Twice(() => stock.SetSafetyStock("m2", 2));
        await Twice(() => stock.Reserve("r1", 3, Hold, "cart:a"));
        await Twice(() => stock.Reserve("r2", 2, Hold, "cart:b"));
        await Twice(() => stock.AdjustReservation("a1", "r1", 5, Hold));
        await Twice(() => stock.Release("r2"));
        await Twice(() => stock.Commit("r1"));
        await Twice(() => stock.RecordSale("sale-1", 4));
        await Twice(() => stock.RecordReturn("ret-1", 1));
        await Twice(() => stock.SetCount("m3", 9));

        var level = await stock.GetStock();
        Assert.Equal((9, 0, 2, 7), (level.OnHand, level.Reserved, level.SafetyStock, level.Available));
    }

    [Fact]
    public async Task An_id_reused_for_a_different_operation_is_a_conflict()
    {
        var stock = Stock(await fixture.NewSku());
        await stock.Receive("m1", 5);

        var clash = await stock.Receive("m1", 6);

        Assert.Equal(ErrorCode.CONFLICT, clash.Error?.Code);
        Assert.Equal(5, (await stock.GetStock()).OnHand);
    }

    [Fact]
    public async Task Refusals_say_why_and_change_nothing()
    {
        var sku = await fixture.NewSku();
        var stock = Stock(sku);
        await stock.Receive("m1", 5);
        var before = await stock.GetStock();

        var tooMany = await stock.Reserve("r1", 6, Hold, null);
        var zero = await stock.Reserve("r2", 0, Hold, null);
        var negative = await stock.RecordSale("s1", -1);
        var absurd = await stock.Receive("m2", Limits.MaxMovementQuantity + 1);
        var noHold = await stock.Commit("never-made");
        var unknownStore = await fixture.Grains.Inventory("nowhere", sku).Receive("m1", 1);
        var unknownSku = await fixture.Grains.Inventory("s1", "NO-SUCH-SKU-" + Guid.NewGuid().ToString("N")[..6]).Receive("m1", 1);

        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, tooMany.Error?.Code);
        Assert.Contains("only 5 available", tooMany.Error!.Message);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, zero.Error?.Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, negative.Error?.Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, absurd.Error?.Code);
        Assert.Equal(ErrorCode.NOT_FOUND, noHold.Error?.Code);
        Assert.Equal(ErrorCode.NOT_FOUND, unknownStore.Error?.Code);
        Assert.Equal("storeId", unknownStore.Error!.Field);
        Assert.Equal(ErrorCode.NOT_FOUND, unknownSku.Error?.Code);
        Assert.Equal("sku", unknownSku.Error!.Field);
        Assert.Equal(before, await stock.GetStock());
    }

    [Fact]
    public async Task A_count_below_what_is_held_keeps_the_holds_and_available_stays_at_zero()
    {
        var stock = Stock(await fixture.NewSku());
        await stock.Receive("m1", 10);
        await stock.Reserve("r1", 6, Hold, null);

        var counted = await stock.SetCount("count-1", 4);

        Assert.True(counted.Succeeded);
        Assert.Equal((4, 6, 0), (counted.Stock.OnHand, counted.Stock.Reserved, counted.Stock.Available));
        Assert.NotNull(await stock.GetReservation("r1"));
        var sale = await stock.RecordSale("s1", 1);
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, sale.Error?.Code);
    }

    [Fact]
    public async Task A_lapsed_hold_goes_back_to_available_bumps_the_version_and_is_published()
    {
        var stock = Stock(await fixture.NewSku());
        await stock.Receive("m1", 3);
        await stock.Reserve("r1", 2, TimeSpan.FromSeconds(30), "cart:x");
        var observer = new StockWatcher();
        await stock.Subscribe(fixture.Grains.CreateObjectReference<IStockObserver>(observer));
        var held = await stock.GetStock();

        fixture.Cluster.Clock.Advance(TimeSpan.FromSeconds(31));
        var lapsed = await stock.ExpireDue();
        var commit = await stock.Commit("r1");

        Assert.Equal((0, 3), (lapsed.Reserved, lapsed.Available));
        Assert.True(lapsed.Version > held.Version);
        Assert.Null(await stock.GetReservation("r1"));
        Assert.Equal(ErrorCode.RESERVATION_EXPIRED, commit.Error?.Code);
        var published = await observer.WaitFor(l => l.Version == lapsed.Version);
        Assert.Equal(0, published.Reserved);
    }

    [Fact]
    public async Task A_hold_can_grow_within_available_shrink_and_be_renewed()
    {
        var stock = Stock(await fixture.NewSku());
        await stock.Receive("m1", 5);
        await stock.Reserve("r1", 2, TimeSpan.FromMinutes(1), null);

        var grown = await stock.AdjustReservation("a1", "r1", 5, TimeSpan.FromMinutes(10));
        var tooMuch = await stock.AdjustReservation("a2", "r1", 6, TimeSpan.FromMinutes(10));
        var shrunk = await stock.AdjustReservation("a3", "r1", 1, TimeSpan.FromMinutes(10));

        Assert.Equal(5, grown.Stock.Reserved);
        Assert.Equal(fixture.Cluster.Clock.GetUtcNow() + TimeSpan.FromMinutes(10), grown.Reservation!.ExpiresAt);
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, tooMuch.Error?.Code);
        Assert.Equal((1, 4), (shrunk.Stock.Reserved, shrunk.Stock.Available));
    }

    [Fact]
    public async Task State_survives_deactivation_through_journal_and_snapshots()
    {
        var stock = Stock(await fixture.NewSku());
        await stock.Receive("m1", 2000);
        // More events than the snapshot threshold (1000 by default), so a snapshot plus a journal tail is reloaded.
        await Task.WhenAll(Enumerable.Range(0, 1200).Select(i => stock.Reserve($"r{i}", 1, Hold, "cart")));
        await stock.Release("r7");
        await stock.Commit("r8");
        var before = await stock.GetStock();

        await fixture.Cluster.Cluster.DeactivateAsync(stock);
        var after = await stock.GetStock();
        var replay = await stock.Reserve("r9", 1, Hold, "cart");

        Assert.Equal(before, after);
        Assert.Equal((1999, 1198), (after.OnHand, after.Reserved));
        Assert.NotNull(await stock.GetReservation("r1199"));
        Assert.Null(await stock.GetReservation("r7"));
        Assert.True(replay.Succeeded);
        Assert.Equal(before, await stock.GetStock());
        var snapshotVersion = await Eventually.Get(
            () => fixture.Database.Scalar<long>("SELECT coalesce(max(version), 0) FROM omni_inventory_snapshot WHERE sku = $1", before.Sku),
            v => v > 0, TimeSpan.FromSeconds(10), "a snapshot is written");
        var journalTail = await fixture.Database.Scalar<long>(
            "SELECT coalesce(min(from_version), 0) FROM omni_inventory_journal WHERE sku = $1", before.Sku);
        Assert.True(journalTail == 0 || journalTail > snapshotVersion, "the journal the snapshot covers is dropped");
    }

    [Fact]
    public async Task The_sku_view_adds_up_locations_and_finds_the_nearest_store_with_stock()
    {
        var sku = await fixture.NewSku();
        await Stock(sku, "w1").Receive("m1", 100);
        await Stock(sku, "s1").Receive("m1", 4);
        await Stock(sku, "s2").Receive("m1", 1);
        var view = fixture.Grains.GetGrain<ISkuGrain>(sku);

        var availability = await Eventually.Get(() => view.GetAvailability(), a => a.TotalAvailable == 105, TimeSpan.FromSeconds(10), "sku view catches up");
        // From Hannover: Hamburg is nearer than Berlin, but only Berlin has 2.
        var nearest = await view.Nearest(52.37, 9.73, 2, 5);

        Assert.Equal(101, availability.OnlineAvailable);
        Assert.Equal(["s1", "s2", "w1"], availability.Locations.Select(l => l.StoreId));
        Assert.Equal(["s1"], nearest.Select(n => n.Store.Id));
        Assert.InRange(nearest[0].DistanceKm!.Value, 240, 260);
    }

    private sealed class StockWatcher : IStockObserver
    {
        private readonly Channel<StockLevel> _levels = Channel.CreateUnbounded<StockLevel>();

        public Task StockChanged(StockLevel stock) => _levels.Writer.WriteAsync(stock).AsTask();

        public async Task<StockLevel> WaitFor(Func<StockLevel, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await foreach (var level in _levels.Reader.ReadAllAsync(timeout.Token))
            {
                if (match(level))
                {
                    return level;
                }
            }
            throw new TimeoutException("no matching stock change");
        }
    }

    [Fact]
    public void The_shared_cluster_declares_a_silo_dead_only_after_long_silence()
    {
        // Tests share this cluster while real processes compete for two cores: a false death would break them all.
        Assert.All(fixture.Cluster.Cluster.Silos, silo =>
        {
            var membership = silo.ServiceProvider.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
            Assert.Equal((TimeSpan.FromSeconds(5), 5, 2), (membership.ProbeTimeout, membership.NumMissedProbesLimit, membership.NumVotesForDeathDeclaration));
        });
    }
}
