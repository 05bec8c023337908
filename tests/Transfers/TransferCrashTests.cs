using Omni.Inventory;
using Omni.Transfers;

namespace Omni.Tests.Transfers;

/// <summary>
/// Transfers through crashes: the silo running the transfer killed between every pair of steps,
/// a step interrupted half-way (some lines done at their inventory grains, the rest not), and a
/// step left in flight that only the transfer's reminder can finish. Throughout, origin + in
/// transit + destination (+ a recorded shortfall) is constant, and every transfer ends RECEIVED
/// or CANCELLED.
/// </summary>
[Trait("Tier", "Cluster")]
[Collection(SiloCrashCollection.Name)]
public sealed class TransferCrashTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly MovementContext Ops = new("ops");
    private const string From = "w1";
    private const string To = "s1";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_silo_running_a_transfer_killed_between_every_pair_of_steps_loses_and_doubles_nothing(bool receive)
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast,
            settings: new() { ["Transfers:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var skus = new[] { await Stocked(cluster, 10), await Stocked(cluster, 7) };
        var id = $"crash-{Guid.NewGuid():N}"[..20];
        var transfer = cluster.Grains.GetGrain<ITransferGrain>(id);

        await Step(cluster, () => transfer.Request(From, To, [new(skus[0], 4), new(skus[1], 7)], Ops), "request");
        await KillHostOf(cluster, transfer);
        await AssertConserved(cluster, transfer, skus, [10, 7]);
        if (receive)
        {
            await Step(cluster, () => transfer.Dispatch(Ops), "dispatch");
            await KillHostOf(cluster, transfer);
            await AssertConserved(cluster, transfer, skus, [10, 7]);
            await Step(cluster, () => transfer.Receive([new(skus[1], 5)], Ops), "receive");
            await KillHostOf(cluster, transfer);
        }
        else
        {
            await Step(cluster, () => transfer.Cancel(Ops), "cancel");
            await KillHostOf(cluster, transfer);
        }

        var final = await Eventually.Get(() => transfer.Get(), t => t is not null, Deadline, "the transfer is served again");
        Assert.Equal(receive ? TransferStatus.RECEIVED : TransferStatus.CANCELLED, final!.Status);
        await AssertConserved(cluster, transfer, skus, [10, 7]);
        foreach (var sku in skus)
        {
            await StockLedgerReplay.AssertReplaysTo(db, await cluster.Grains.Inventory(From, sku).GetStock());
            await StockLedgerReplay.AssertReplaysTo(db, await cluster.Grains.Inventory(To, sku).GetStock());
        }
        Assert.Equal(receive ? [(From, 6, 0), (To, 4, 0), (From, 0, 0), (To, 5, 0)] : [(From, 10, 0), (To, 0, 0), (From, 7, 0), (To, 0, 0)],
            await Levels(cluster, skus));
    }

    /// <summary>
    /// The silo died in the middle of a step: the step was written (in flight) and one of two lines
    /// was carried out at its inventory grain. The next activation carries the rest out, once.
    /// </summary>
    [Theory]
    [InlineData(TransferStep.Holding)]
    [InlineData(TransferStep.Dispatching)]
    [InlineData(TransferStep.Receiving)]
    [InlineData(TransferStep.Cancelling)]
    public async Task A_step_interrupted_half_way_is_finished_by_the_next_activation_and_counts_once(TransferStep step)
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Transfers:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var skus = new[] { await Stocked(cluster, 10), await Stocked(cluster, 7) };
        var id = $"half-{Guid.NewGuid():N}"[..20];
        var transfer = cluster.Grains.GetGrain<ITransferGrain>(id);
        var lines = new TransferLineRequest[] { new(skus[0], 4), new(skus[1], 7) };
        var now = cluster.Clock.GetUtcNow();

        // Everything before the step, as the grain would have done it.
        var ledger = new TransferLedger(id);
        ledger.Request(From, To, lines, Ops, now);
        if (step != TransferStep.Holding)
        {
            Assert.Null((await transfer.Request(From, To, lines, Ops)).Error);
            if (step is TransferStep.Receiving)
            {
                Assert.Null((await transfer.Dispatch(Ops)).Error);
            }
            await cluster.Cluster.DeactivateAsync(transfer);
            ledger = TransferLedger.FromState(id, (await new TransferStore(db.DataSource).Load(id))!);
            Assert.Null(step switch
            {
                TransferStep.Dispatching => ledger.Dispatch(Ops, now),
                TransferStep.Receiving => ledger.Receive(null, Ops, now),
                _ => ledger.Cancel(Ops, now),
            });
        }
        // The first line's part of the step landed at its inventory grain; then the silo died.
        var first = cluster.Grains.Inventory(step == TransferStep.Receiving ? To : From, skus[0]);
        Assert.True((step switch
        {
            TransferStep.Holding => await first.HoldForTransfer(id, 4, Ops),
            TransferStep.Dispatching => await first.TransferOut(id, Ops),
            TransferStep.Receiving => await first.TransferIn(id, 4, Ops),
            _ => await first.ReleaseTransferHold(id, Ops),
        }).Succeeded);
        await new TransferStore(db.DataSource).Save(id, step == TransferStep.Holding ? 0 : ledger.Version - 1, ledger.ToState());

        var settled = await Eventually.Get(async () => await transfer.Get() is { } t && !await InFlight(db, id) ? t : null, t => t is not null, Deadline,
            "the next activation finishes the step");
        Assert.Equal(step switch
        {
            TransferStep.Holding => TransferStatus.REQUESTED,
            TransferStep.Dispatching => TransferStatus.IN_TRANSIT,
            TransferStep.Receiving => TransferStatus.RECEIVED,
            _ => TransferStatus.CANCELLED,
        }, settled!.Status);
        await AssertConserved(cluster, transfer, skus, [10, 7]);
        Assert.Equal(step switch
        {
            TransferStep.Holding => [(From, 10, 4), (To, 0, 0), (From, 7, 7), (To, 0, 0)],
            TransferStep.Dispatching => [(From, 6, 0), (To, 0, 0), (From, 0, 0), (To, 0, 0)],
            TransferStep.Receiving => [(From, 6, 0), (To, 4, 0), (From, 0, 0), (To, 7, 0)],
            _ => [(From, 10, 0), (To, 0, 0), (From, 7, 0), (To, 0, 0)],
        }, await Levels(cluster, skus));
        foreach (var sku in skus)
        {
            await StockLedgerReplay.AssertReplaysTo(db, await cluster.Grains.Inventory(From, sku).GetStock());
            await StockLedgerReplay.AssertReplaysTo(db, await cluster.Grains.Inventory(To, sku).GetStock());
        }
    }

    /// <summary>A step the destination cannot take yet stays in flight; the reminder finishes it once it can, with nobody calling.</summary>
    [Fact]
    public async Task A_step_left_in_flight_is_finished_by_the_transfer_reminder()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Transfers:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var sku = await Stocked(cluster, 10);
        var id = $"rem-{Guid.NewGuid():N}"[..20];
        var transfer = cluster.Grains.GetGrain<ITransferGrain>(id);
        // The destination is at its on-hand limit: the units cannot be added there yet.
        Assert.True((await cluster.Grains.Inventory(To, sku).SetCount("full", Limits.MaxOnHand, Ops)).Succeeded);
        Assert.Null((await transfer.Request(From, To, [new(sku, 5)], Ops)).Error);
        Assert.Null((await transfer.Dispatch(Ops)).Error);
        var receiving = await transfer.Receive(null, Ops);
        Assert.Equal(TransferStatus.RECEIVED, receiving.Transfer!.Status);
        Assert.True(await InFlight(db, id));
        Assert.Equal(5, await cluster.Grains.GetGrain<ITransferDirectoryGrain>(0).Incoming(To, sku));

        await cluster.Cluster.DeactivateAsync(transfer);
        Assert.True((await cluster.Grains.Inventory(To, sku).SetCount("recount", 100, Ops)).Succeeded);

        // Nobody calls the transfer: only its reminder can bring it back.
        await Eventually.True(async () => !await InFlight(db, id), Deadline, "the reminder finishes the receipt");
        Assert.Equal((105, 0), ((await cluster.Grains.Inventory(To, sku).GetStock()).OnHand, await cluster.Grains.GetGrain<ITransferDirectoryGrain>(0).Incoming(To, sku)));
        Assert.Equal(0L, await db.Scalar<long>("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1 || '%'", id));
    }

    private static async Task<bool> InFlight(TestDatabase db, string id) =>
        await db.Scalar<bool>("SELECT in_flight FROM omni_transfer WHERE id = $1", id);

    private static async Task<string> Stocked(OmniTestCluster cluster, int units)
    {
        var sku = $"TC-{Guid.NewGuid():N}"[..16];
        Assert.Null(await cluster.Grains.GetGrain<Omni.Catalog.IProductGrain>(sku).Define(sku, 3m, "EUR"));
        Assert.True((await cluster.Grains.Inventory(From, sku).Receive("opening", units, Ops)).Succeeded);
        return sku;
    }

    /// <summary>A step, called again with the same arguments until the cluster answers (each step is idempotent).</summary>
    private static async Task Step(OmniTestCluster cluster, Func<Task<TransferResult>> call, string what)
    {
        var result = await Eventually.Get(call, r => r is not null, Deadline, what);
        Assert.True(result.Error is null, $"{what}: {result.Error}");
    }

    private static async Task KillHostOf(OmniTestCluster cluster, ITransferGrain transfer)
    {
        await transfer.Get();
        var host = cluster.HostOf(transfer);
        await cluster.Cluster.KillSiloAsync(host);
        await cluster.Cluster.StartAdditionalSiloAsync();
    }

    private static async Task<(string, int, int)[]> Levels(OmniTestCluster cluster, string[] skus)
    {
        var levels = new List<(string, int, int)>();
        foreach (var sku in skus)
        {
            foreach (var store in new[] { From, To })
            {
                var level = await Eventually.Get(() => cluster.Grains.Inventory(store, sku).GetStock(), _ => true, Deadline, "the level");
                levels.Add((store, level.OnHand, level.Reserved));
            }
        }
        return [.. levels];
    }

    /// <summary>Origin + in transit + destination + recorded shortfall is what the origin started with, per SKU.</summary>
    private static async Task AssertConserved(OmniTestCluster cluster, ITransferGrain transfer, string[] skus, int[] totals)
    {
        var view = await Eventually.Get(() => transfer.Get(), t => t is not null, Deadline, "the transfer answers");
        var directory = cluster.Grains.GetGrain<ITransferDirectoryGrain>(0);
        for (var i = 0; i < skus.Length; i++)
        {
            var line = view!.Lines.Single(l => l.Sku == skus[i]);
            var shortfall = view.Status == TransferStatus.RECEIVED ? line.Quantity - line.Received : 0;
            var origin = (await cluster.Grains.Inventory(From, skus[i]).GetStock()).OnHand;
            var destination = (await cluster.Grains.Inventory(To, skus[i]).GetStock()).OnHand;
            var inTransit = await directory.Incoming(To, skus[i]);
            Assert.True(origin + inTransit + destination + shortfall == totals[i],
                $"{view.Status}: origin {origin} + in transit {inTransit} + destination {destination} + shortfall {shortfall} != {totals[i]}");
        }
    }
}
