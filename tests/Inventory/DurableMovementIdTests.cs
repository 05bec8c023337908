using Omni.Inventory;

namespace Omni.Tests.Inventory;

/// <summary>
/// Issue 12, item 8: the ids of movements that change on-hand are remembered durably, so other
/// callers' traffic cannot flush them out of a SKU-location's bounded in-memory window.
/// </summary>
[Trait("Tier", "Cluster")]
public sealed class DurableMovementIdTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The reproduction: MaxIds=100, a till's SALE-1, then 80 anonymous holds taken and
    /// released at that store (160 remembered ids), then the till's retry of SALE-1. It used to
    /// sell again (on-hand 35 to 34); now it returns the first outcome, and the same id for another
    /// quantity is still a CONFLICT. After a reactivation (memory rebuilt from the journal) too.
    /// </summary>
    [Fact]
    public async Task A_sale_retried_after_other_callers_flushed_the_in_memory_window_is_not_sold_twice()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Inventory:MaxIds"] = "100" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        const string Sku = "FLUSH-1";
        Assert.Null(await cluster.Grains.GetGrain<Omni.Catalog.IProductGrain>(Sku).Define("Flushed", 5m, "EUR"));
        var stock = cluster.Grains.Inventory("s1", Sku);
        Assert.True((await stock.Receive("rcv-1", 36)).Succeeded);

        var sale = await stock.RecordSale("SALE-1", 1);
        Assert.True(sale.Succeeded, sale.Error?.Message);
        Assert.Equal(35, sale.Stock.OnHand);
        for (var i = 0; i < 80; i++)
        {
            Assert.True((await stock.Reserve($"hold-{i}", 1, Hold, $"cart:{i}")).Succeeded);
            Assert.True((await stock.Release($"hold-{i}")).Succeeded);
        }

        var retry = await stock.RecordSale("SALE-1", 1);
        var clash = await stock.RecordSale("SALE-1", 2);
        var receiptRetry = await stock.Receive("rcv-1", 36);

        Assert.Equal(sale, retry);
        Assert.Equal(ErrorCode.CONFLICT, clash.Error?.Code);
        Assert.Equal(36, receiptRetry.Stock.OnHand);
        Assert.Equal(35, (await stock.GetStock()).OnHand);

        // Deactivated and loaded again: the window holds only the newest 100 ids either way.
        await cluster.Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(sale, await stock.RecordSale("SALE-1", 1));
        Assert.Equal(35, (await stock.GetStock()).OnHand);
    }
}

[Trait("Tier", "Unit")]
public sealed class StockLedgerDurableIdTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Only_on_hand_movements_are_handed_over_for_durable_keeping_with_their_outcomes()
    {
        var ledger = new StockLedger("s1", "SKU-1");
        ledger.Receive("m1", 10, Start);
        ledger.Reserve("r1", 2, TimeSpan.FromMinutes(5), "cart:a", Start);
        ledger.RecordSale("sale-1", 3, Start);
        ledger.RecordReturn("ret-1", 1, Start);
        ledger.SetCount("m2", 20, Start);

        var movements = ledger.TakePendingMovements();

        Assert.Equal(
            [(MovementKind.Movement, "m1", 10, 1L), (MovementKind.Sale, "sale-1", 7, 3L), (MovementKind.Return, "ret-1", 8, 4L), (MovementKind.Movement, "m2", 20, 5L)],
            movements.Select(m => (m.Kind, m.Id, m.OnHand, m.Version)));
        Assert.Empty(ledger.TakePendingMovements());
    }

    [Fact]
    public void An_id_the_ledger_forgot_is_answered_from_its_durable_record_and_changes_nothing()
    {
        var ledger = new StockLedger("s1", "SKU-1", new LedgerRetention(TimeSpan.FromHours(1), MaxIds: 2));
        ledger.Receive("m1", 10, Start);
        var sale = ledger.RecordSale("sale-1", 3, Start);
        var record = ledger.TakePendingMovements().Single(m => m.Id == "sale-1");
        ledger.Reserve("r1", 1, TimeSpan.FromMinutes(5), "cart:a", Start);
        ledger.Reserve("r2", 1, TimeSpan.FromMinutes(5), "cart:b", Start);
        Assert.False(ledger.Remembers(MovementKind.Sale, "sale-1"));
        var version = ledger.Version;

        var retry = ledger.RecordSale("sale-1", 3, Start, record);
        var clash = ledger.RecordSale("sale-1", 4, Start, record);

        Assert.Equal(sale, retry);
        Assert.Equal(ErrorCode.CONFLICT, clash.Error?.Code);
        Assert.Equal((7, version), (ledger.OnHand, ledger.Version));
        Assert.Empty(ledger.TakePendingMovements());
    }

    /// <summary>Built in code: a lone surrogate does not survive an attribute's metadata.</summary>
    private static readonly Dictionary<string, string> BadIds = new()
    {
        ["nul"] = "bad\u0000id",
        ["escape"] = "bad\u001bid",
        ["lone surrogate"] = "lone\ud800",
        ["reversed surrogates"] = "\udc00\ud800",
        ["format character"] = "zero\u200bwidth",
        ["noncharacter"] = "no\uffffpe",
    };

    [Theory]
    [InlineData("nul")]
    [InlineData("escape")]
    [InlineData("lone surrogate")]
    [InlineData("reversed surrogates")]
    [InlineData("format character")]
    [InlineData("noncharacter")]
    public void An_id_that_is_not_printable_is_refused_before_any_event(string kind)
    {
        var id = BadIds[kind];
        var ledger = new StockLedger("s1", "SKU-1");
        ledger.Receive("m1", 10, Start);
        ledger.TakePending();

        var results = new[]
        {
            ledger.Receive(id, 1, Start),
            ledger.RecordSale(id, 1, Start),
            ledger.RecordReturn(id, 1, Start),
            ledger.Reserve(id, 1, TimeSpan.FromMinutes(5), "cart:a", Start),
            ledger.Reserve("r-ok", 1, TimeSpan.FromMinutes(5), id, Start),
            ledger.Release(id, Start),
            ledger.Commit(id, Start),
            ledger.AdjustReservation(id, "r-x", 1, TimeSpan.FromMinutes(5), Start),
        };

        Assert.All(results, r => Assert.Equal(ErrorCode.INVALID_ARGUMENT, r.Error?.Code));
        Assert.Empty(ledger.TakePending());
        Assert.Equal(10, ledger.OnHand);
    }

    [Fact]
    public void An_id_of_the_longest_length_is_accepted_and_one_longer_is_refused()
    {
        var ledger = new StockLedger("s1", "SKU-1");

        Assert.True(ledger.Receive(new string('a', Limits.MaxIdLength), 1, Start).Succeeded);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, ledger.Receive(new string('b', Limits.MaxIdLength + 1), 1, Start).Error?.Code);
    }
}
