using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Catalog;
using Omni.Inventory;
using Omni.Journal;

namespace Omni.Tests.Inventory;

/// <summary>One silo whose inventory grains snapshot every few events (so snapshots prune the journal often).</summary>
public sealed class StockMovementFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private OmniTestCluster? _cluster;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not started");
    public OmniTestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");
    public IGrainFactory Grains => Cluster.Grains;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.Create();
        _cluster = await OmniTestCluster.Start(_database, silos: 1, settings: new() { ["Inventory:SnapshotEveryEvents"] = "3" });
        await InventoryFixture.DefineNetwork(Grains);
    }

    public async Task<string> NewSku()
    {
        var sku = $"L-{Guid.NewGuid():N}"[..18];
        Assert.Null(await Grains.GetGrain<IProductGrain>(sku).Define("Ledger product " + sku, 5m, "EUR"));
        return sku;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>
/// Model-based, against the real grain and PostgreSQL: random receipts, counts, safety stock,
/// holds, changes, releases, commits, sales, returns, retries, lapses (also while the grain is
/// down), snapshots (every 3 events), restarts and a duplicate activation writing behind the
/// grain's back. After every step the kept movements replay to the level, versions are gapless,
/// and reading changes nothing.
/// </summary>
[Trait("Tier", "Cluster")]
public sealed class StockMovementLedgerTests(StockMovementFixture fixture) : IClassFixture<StockMovementFixture>
{
    private const string Store = "s1";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_operations_keep_a_gapless_ledger_that_replays_to_the_level(int seed)
    {
        var random = new Random(seed);
        var sku = await fixture.NewSku();
        var stock = fixture.Grains.Inventory(Store, sku);
        var ids = new List<(string Kind, string Id, int Quantity)>();
        var holds = new List<string>();
        var kinds = new HashSet<StockMovementKind>();
        var expiredBySystem = 0;
        var staff = new MovementContext($"staff:{Store}", Channel.POS, "till", "c-1");

        await Call(() => stock.Receive("opening", 20, new MovementContext("ops", Reason: "opening")));
        for (var step = 0; step < 60; step++)
        {
            var op = random.Next(14);
            var n = step.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var quantity = random.Next(1, 6);
            var what = op switch
            {
                0 => await Call(() => stock.Receive("m" + n, quantity, new MovementContext("ops", Reason: "delivery"))),
                1 => await Call(() => stock.SetCount("c" + n, random.Next(0, 30), new MovementContext("ops"))),
                2 => await Call(() => stock.SetSafetyStock("f" + n, random.Next(0, 3), new MovementContext("ops"))),
                3 or 4 => await Hold("r" + n, quantity, TimeSpan.FromSeconds(random.Next(5, 120))),
                5 when holds.Count > 0 => await Call(() => stock.AdjustReservation("a" + n, Pick(holds), quantity, TimeSpan.FromSeconds(60))),
                6 when holds.Count > 0 => await Call(() => stock.Release(Pick(holds))),
                7 when holds.Count > 0 => await Call(() => stock.Commit(Pick(holds), by: "order:" + n)),
                8 => await Call(() => stock.RecordSale("s" + n, quantity, staff)),
                9 => await Call(() => stock.RecordReturn("t" + n, quantity, staff)),
                10 when ids.Count > 0 => await Retry(ids[random.Next(ids.Count)]),
                11 => await Lapse(TimeSpan.FromSeconds(random.Next(10, 130)), whileDown: random.Next(2) == 0),
                12 => await Restart(),
                13 => await BehindItsBack("dup" + n),
                _ => "nothing",
            };
            await AssertLedger($"step {step} ({what}, seed {seed})");
        }

        // Every kind the grain can make without a transfer was made, and lapses are the system's.
        Assert.True(kinds.Count >= 8, $"only {string.Join(", ", kinds)} were made: the test does not reach enough of the rules");
        Assert.True(expiredBySystem > 0, "no hold lapsed: the test does not reach that rule");

        async Task<string> Hold(string id, int q, TimeSpan ttl)
        {
            var result = await Call(() => stock.Reserve(id, q, ttl, "cart:" + id));
            holds.Add(id);
            ids.Add(("res", id, q));
            return result;
        }

        async Task<string> Retry((string Kind, string Id, int Quantity) previous)
        {
            var before = await stock.GetStock();
            var result = previous.Kind == "res"
                ? await stock.Reserve(previous.Id, previous.Quantity, TimeSpan.FromSeconds(60), "cart:" + previous.Id)
                : await stock.RecordSale(previous.Id, previous.Quantity, staff);
            if (result.Succeeded && result.Stock.Version <= before.Version)
            {
                Assert.Equal(before, await stock.GetStock()); // a replay changes nothing
            }
            return $"retry {previous.Id}";
        }

        async Task<string> Lapse(TimeSpan by, bool whileDown)
        {
            if (whileDown)
            {
                await fixture.Cluster.Cluster.DeactivateAsync(stock);
                fixture.Cluster.Clock.Advance(by);
                await stock.GetStock(); // activation lets lapsed holds go
            }
            else
            {
                fixture.Cluster.Clock.Advance(by);
                await stock.ExpireDue();
            }
            return $"lapse {by.TotalSeconds}s{(whileDown ? " while down" : "")}";
        }

        async Task<string> Restart()
        {
            await fixture.Cluster.Cluster.DeactivateAsync(stock);
            return "restart";
        }

        // Another activation of the same grain (a membership change) sells behind this one's back,
        // writing its events and movements as the grain would; the stale activation must not
        // acknowledge, and the ledger stays whole.
        async Task<string> BehindItsBack(string saleId)
        {
            await stock.GetStock();
            var store = new InventoryStore(fixture.Database.DataSource);
            var (snapshot, events) = await store.Load(Store, sku);
            var other = snapshot is null ? new StockLedger(Store, sku) : StockLedger.FromSnapshot(Store, sku, snapshot);
            foreach (var e in events)
            {
                other.Apply(e);
            }
            if (other.Available == 0)
            {
                return "no duplicate (nothing available)";
            }
            Assert.True(other.RecordSale(saleId, 1, fixture.Cluster.Clock.GetUtcNow(), context: staff).Succeeded);
            await using var committer = new JournalCommitter(fixture.Database.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance);
            var pending = other.TakePending();
            await committer.AppendInventory(other.Level, pending.Count, InventoryStore.Serialize(pending),
                InventoryStore.Serialize(other.TakePendingMovements()), InventoryStore.Serialize(other.TakePendingLedger()));
            // The stale activation's next write is refused; the call fails or lands on the reloaded one.
            try
            {
                await stock.Receive("after-" + saleId, 1);
            }
            catch (Exception)
            {
                // expected when the stale activation took it
            }
            await Eventually.True(async () => (await stock.GetStock()).Version >= other.Version, TimeSpan.FromSeconds(30), "the grain reloads");
            return "duplicate activation";
        }

        async Task AssertLedger(string context)
        {
            var level = await stock.GetStock();
            var movements = await StockLedgerReplay.AssertReplaysTo(fixture.Database, level, context);
            Assert.Equal(level, await stock.GetStock()); // reading changed nothing
            kinds.UnionWith(movements.Select(m => m.Kind));
            expiredBySystem = movements.Count(m => m.Kind == StockMovementKind.EXPIRED && m.Actor == "system");
            Assert.All(movements.Where(m => m.Kind == StockMovementKind.SOLD && m.Reference.StartsWith('s')), m =>
                Assert.Equal(("staff:s1", Channel.POS, "c-1"), (m.Actor, m.Channel, m.CustomerId)));
        }

        string Pick(List<string> from) => from[random.Next(from.Count)];

        static async Task<string> Call(Func<Task<StockResult>> call)
        {
            var result = await call();
            return result.Error is { } error ? $"refused {error.Code}" : $"v{result.Stock.Version}";
        }
    }

    [Fact]
    public async Task Each_movement_says_what_why_which_operation_and_who()
    {
        var sku = await fixture.NewSku();
        var stock = fixture.Grains.Inventory(Store, sku);
        await stock.Receive("delivery-1", 10, new MovementContext("ops", Reason: "pallet 7"));
        await stock.Reserve("hold-1", 3, TimeSpan.FromMinutes(5), "pos:s1");
        await stock.Commit("hold-1", "pos:s1", "pos:s1");
        await stock.Reserve("cart-hold", 2, TimeSpan.FromSeconds(10), "cart:abc");
        await stock.RecordReturn("ret-1", 1, new MovementContext("staff:s1", Channel.POS, "damaged box", "cust-9"));
        await stock.SetSafetyStock("safety-1", 2, new MovementContext("ops"));
        fixture.Cluster.Clock.Advance(TimeSpan.FromSeconds(11));
        var level = await stock.ExpireDue();

        var movements = await StockLedgerReplay.AssertReplaysTo(fixture.Database, level);

        Assert.Equal(
            [
                (1L, StockMovementKind.RECEIVED, 10, 0, "delivery-1", "ops", (Channel?)null, "pallet 7", (string?)null),
                (2L, StockMovementKind.RESERVED, 0, 3, "hold-1", "staff:s1", null, null, null),
                (3L, StockMovementKind.COMMITTED, -3, -3, "hold-1", "staff:s1", null, null, null),
                (4L, StockMovementKind.RESERVED, 0, 2, "cart-hold", "cart:abc", null, null, null),
                (5L, StockMovementKind.RETURNED, 1, 0, "ret-1", "staff:s1", Channel.POS, "damaged box", "cust-9"),
                (6L, StockMovementKind.SAFETY_STOCK_SET, 0, 0, "safety-1", "ops", null, null, null),
                (7L, StockMovementKind.EXPIRED, 0, -2, "cart-hold", "system", null, null, null),
            ],
            movements.Select(m => (m.Version, m.Kind, m.OnHandDelta, m.ReservedDelta, m.Reference, m.Actor, m.Channel, m.Reason, m.CustomerId)));
        Assert.Equal((8, 0), (movements[^1].OnHandAfter, movements[^1].ReservedAfter));
    }

    [Fact]
    public async Task Opening_stock_is_version_1_received_by_the_system_and_the_ledger_goes_on_from_it()
    {
        var sku = await fixture.NewSku();
        var store = new InventoryStore(fixture.Database.DataSource);
        Assert.Equal(1, await store.SeedOpeningStock([(Store, sku, 12)], fixture.Cluster.Clock.GetUtcNow()));
        Assert.Equal(0, await store.SeedOpeningStock([(Store, sku, 99)], fixture.Cluster.Clock.GetUtcNow())); // stock already there: left alone
        var stock = fixture.Grains.Inventory(Store, sku);
        Assert.True((await stock.RecordSale("till-1", 2, new MovementContext("staff:s1", Channel.POS))).Succeeded);

        var movements = await StockLedgerReplay.AssertReplaysTo(fixture.Database, await stock.GetStock());
        Assert.Equal([(1L, StockMovementKind.RECEIVED, 12, "system"), (2L, StockMovementKind.SOLD, -2, "staff:s1")],
            movements.Select(m => (m.Version, m.Kind, m.OnHandDelta, m.Actor)));
    }

    [Fact]
    public async Task A_batch_without_one_movement_per_version_is_refused_and_writes_nothing()
    {
        var sku = await fixture.NewSku();
        var ledger = new StockLedger(Store, sku);
        ledger.Receive("m1", 5, fixture.Cluster.Clock.GetUtcNow());
        ledger.RecordSale("s1", 1, fixture.Cluster.Clock.GetUtcNow());
        var events = ledger.TakePending();
        var movements = ledger.TakePendingLedger();
        await using var committer = new JournalCommitter(fixture.Database.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance);

        await Assert.ThrowsAsync<JournalUnavailableException>(() => committer.AppendInventory(ledger.Level, events.Count,
            InventoryStore.Serialize(events), InventoryStore.Serialize(ledger.TakePendingMovements()), InventoryStore.Serialize(movements.Take(1).ToList())));

        Assert.Equal(0L, await fixture.Database.Scalar<long>("SELECT count(*) FROM omni_inventory_level WHERE sku = $1", sku));
        Assert.Equal(0L, await fixture.Database.Scalar<long>("SELECT count(*) FROM omni_inventory_journal WHERE sku = $1", sku));
        Assert.Empty(await StockLedgerReplay.Movements(fixture.Database, Store, sku));
    }

    [Fact]
    public async Task A_refused_or_replayed_call_writes_no_movement_and_bad_context_is_refused()
    {
        var sku = await fixture.NewSku();
        var stock = fixture.Grains.Inventory(Store, sku);
        await stock.Receive("m1", 5);
        Assert.True((await stock.Receive("m1", 5)).Succeeded);                                   // a retry
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, (await stock.RecordSale("s1", 9)).Error?.Code); // refused
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, (await stock.RecordReturn("r1", 1, new MovementContext("ops", Reason: "bad\u0000reason"))).Error?.Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, (await stock.RecordReturn("r2", 1, new MovementContext("ops", Reason: new string('x', 201)))).Error?.Code);

        var level = await stock.GetStock();
        var movements = await StockLedgerReplay.AssertReplaysTo(fixture.Database, level);
        Assert.Single(movements);
        Assert.Equal((1L, 5), (level.Version, level.OnHand));
    }
}
