using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni.Inventory;
using Omni.Journal;

namespace Omni.Tests.Inventory;

/// <summary>
/// Two writers of one stock stream (a duplicate activation during a membership change) can
/// never both acknowledge: the real <c>omni_inventory_append_many</c> refuses a batch that does
/// not start at the stream's head (and writes the other streams of its transaction), and the grain that loses fails every waiting caller and reloads
/// the truth on its next activation.
/// </summary>
[Collection(InventoryCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class InventoryJournalTests(InventoryFixture fixture)
{
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_append_refuses_a_batch_that_does_not_start_at_the_head_and_writes_the_rest()
    {
        var sku = await fixture.NewSku();
        var other = await fixture.NewSku();
        await using var committer = Committer();
        var writer = new StockLedger("s1", sku);
        var now = DateTimeOffset.UtcNow;
        writer.Receive("m1", 10, now);
        await Append(committer, writer);

        // A second writer that loaded the stream before that batch: it believes the head is 0.
        var stale = new StockLedger("s1", sku);
        stale.Receive("m2", 5, now);
        var elsewhere = new StockLedger("s1", other);
        elsewhere.Receive("m3", 7, now);
        var refused = Append(committer, stale);
        var written = Append(committer, elsewhere);

        await Assert.ThrowsAsync<JournalConflictException>(() => refused);
        await written;
        Assert.Equal((1L, 10), await Head(sku));
        Assert.Equal((1L, 7), await Head(other));
        Assert.Equal(1L, await fixture.Database.Scalar<long>("SELECT count(*) FROM omni_inventory_journal WHERE sku = $1", sku));
    }

    [Fact]
    public async Task A_grain_whose_stream_moved_behind_its_back_acknowledges_nothing_and_reloads_the_truth()
    {
        var sku = await fixture.NewSku();
        var stock = fixture.Grains.Inventory("s1", sku);
        Assert.True((await stock.Receive("m1", 10)).Succeeded);
        Assert.Equal(1, (await stock.GetStock()).Version);

        // Another activation of the same grain (as during a membership change) loads the stream
        // and sells 4 units at a till: the head moves to version 2 behind this activation's back.
        var journal = new InventoryStore(fixture.Database.DataSource);
        await using var committer = Committer();
        var (snapshot, events) = await journal.Load("s1", sku);
        Assert.Null(snapshot);
        var other = new StockLedger("s1", sku);
        foreach (var e in events)
        {
            other.Apply(e);
        }
        Assert.True(other.RecordSale("till-1", 4, DateTimeOffset.UtcNow).Succeeded);
        await Append(committer, other);
        Assert.Equal((2L, 6), await Head(sku));

        // This activation still believes 10 are available. Five concurrent holds of 2 fit its
        // belief; only 6 units are really there. None may be acknowledged against that belief: a
        // call the stale activation took fails, and one that reached the next activation (the
        // stale one deactivates at once) is judged against the truth.
        var holds = Enumerable.Range(0, 5).Select(i => Outcome(stock.Reserve($"r{i}", 2, Hold, $"cart:{i}"))).ToList();
        var outcomes = await Task.WhenAll(holds);

        Assert.Contains(outcomes, o => o.Failure is not null);
        Assert.All(outcomes.Where(o => o.Result is not null), o =>
            Assert.True(o.Result!.Stock.OnHand == 6 && o.Result.Stock.Version > 2, $"acknowledged against a stale head: {o.Result}"));
        var granted = outcomes.Where(o => o.Result?.Succeeded == true).Select(o => o.Result!.Reservation!.Id).ToList();

        // The next activation holds the truth: the sale, and exactly the holds it acknowledged.
        var truth = await Eventually.Get(() => stock.GetStock(), l => l is { OnHand: 6 },
            Deadline, "the grain reactivates from the journal");
        Assert.Equal(2 * granted.Count, truth.Reserved);
        Assert.Equal((truth.Version, 6), await Head(sku));
        for (var i = 0; i < 5; i++)
        {
            var held = await stock.GetReservation($"r{i}");
            Assert.Equal(granted.Contains($"r{i}"), held is not null);
        }
        Assert.Equal(2 * granted.Count, await fixture.Database.Scalar<int>(
            "SELECT reserved FROM omni_inventory_level WHERE sku = $1 AND store_id = 's1'", sku));
        // The stream goes on from its real head, and the till's sale is remembered there.
        Assert.Equal(ErrorCode.CONFLICT, (await stock.RecordSale("till-1", 5)).Error?.Code);
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, (await stock.Reserve("r9", 7, Hold, "cart:9")).Error?.Code);
    }

    private JournalCommitter Committer() =>
        new(fixture.Database.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance);

    private static Task Append(JournalCommitter committer, StockLedger ledger)
    {
        var events = ledger.TakePending();
        return committer.AppendInventory(ledger.Level, events.Count, InventoryStore.Serialize(events),
            InventoryStore.Serialize(ledger.TakePendingMovements()), InventoryStore.Serialize(ledger.TakePendingLedger()));
    }

    private async Task<(long Version, int OnHand)> Head(string sku)
    {
        var version = await fixture.Database.Scalar<long>("SELECT version FROM omni_inventory_level WHERE sku = $1 AND store_id = 's1'", sku);
        var onHand = await fixture.Database.Scalar<int>("SELECT on_hand FROM omni_inventory_level WHERE sku = $1 AND store_id = 's1'", sku);
        return (version, onHand);
    }

    private static async Task<(StockResult? Result, Exception? Failure)> Outcome(Task<StockResult> call)
    {
        try
        {
            return (await call, null);
        }
        catch (Exception e)
        {
            return (null, e);
        }
    }
}
