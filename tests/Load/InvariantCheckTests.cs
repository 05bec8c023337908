using Omni.LoadTests.Checks;

namespace Omni.Tests.Load;

/// <summary>The checks a run makes, fed good and bad observations.</summary>
[Trait("Tier", "Unit")]
public sealed class InvariantCheckTests
{
    private static readonly StockKey Key = new("s1", "AP-10001");

    [Fact]
    public void A_consistent_level_passes_and_an_oversold_or_miscounted_one_fails()
    {
        var invariants = new Invariants();
        var stock = new StockAccounting(invariants);

        stock.Observe(Level(onHand: 10, reserved: 4, safety: 1, available: 5), "good");
        Assert.True(invariants.AllHold);

        stock.Observe(Level(onHand: 10, reserved: 12, safety: 0, available: 0), "oversold");
        stock.Observe(Level(onHand: 10, reserved: 2, safety: 0, available: 9), "miscounted");

        var results = invariants.Results.ToDictionary(r => r.Name);
        Assert.Equal(1, results[Invariants.NoUnitOversold].Violations);
        Assert.Equal(1, results[Invariants.StockLevelsConsistent].Violations);
        Assert.Contains("12 reserved but only 10 on hand", results[Invariants.NoUnitOversold].Examples[0]);
    }

    [Fact]
    public void On_hand_must_move_by_exactly_the_acknowledged_sales_give_or_take_the_uncertain_ones()
    {
        var invariants = new Invariants();
        var stock = new StockAccounting(invariants);
        stock.Sold(Key, 3);
        stock.MaybeSold(Key, 2);

        // 20 - 3 sold = 17; up to 2 more may have gone with calls that got no answer.
        stock.Verify(Levels(Level(onHand: 20)), Levels(Level(onHand: 17)));
        stock.Verify(Levels(Level(onHand: 20)), Levels(Level(onHand: 15)));
        Assert.True(invariants.AllHold);

        stock.Verify(Levels(Level(onHand: 20)), Levels(Level(onHand: 18)));
        stock.Verify(Levels(Level(onHand: 20)), Levels(Level(onHand: 14)));

        var results = invariants.Results.ToDictionary(r => r.Name);
        Assert.Equal(1, results[Invariants.AcknowledgedChangesVisible].Violations);
        Assert.Contains("an acknowledged sale is missing", results[Invariants.AcknowledgedChangesVisible].Examples[0]);
        Assert.Equal(1, results[Invariants.NoUnitOversold].Violations);
    }

    [Fact]
    public void Holding_more_than_is_on_hand_after_the_run_is_overselling()
    {
        var invariants = new Invariants();
        var stock = new StockAccounting(invariants);

        stock.Verify(Levels(Level(onHand: 5)), Levels(Level(onHand: 5, reserved: 6)));

        Assert.Equal(1, invariants.Results.Single(r => r.Name == Invariants.NoUnitOversold).Violations);
    }

    [Fact]
    public void A_cart_must_read_as_last_acknowledged()
    {
        var invariants = new Invariants();
        var ledger = new CartLedger(invariants);
        var v2 = Cart(2, ("L1", "AP-1", 1));
        var v3 = Cart(3, ("L1", "AP-1", 2));
        ledger.Acknowledged(v2);
        ledger.Acknowledged(v3);

        ledger.Compare("c", v3, uncertain: false, checkedOut: false, now: Cart(3, ("L1", "AP-1", 2)));
        Assert.True(invariants.AllHold);

        ledger.Compare("c", v3, uncertain: false, checkedOut: false, now: Cart(2, ("L1", "AP-1", 1)));
        ledger.Compare("c", v3, uncertain: false, checkedOut: false, now: Cart(3, ("L1", "AP-1", 5)));
        ledger.Compare("c", v3, uncertain: false, checkedOut: false, now: null);

        Assert.Equal(3, invariants.Results.Single().Violations);
    }

    [Fact]
    public void A_cart_whose_last_change_got_no_answer_may_be_newer_but_never_older()
    {
        var invariants = new Invariants();
        var ledger = new CartLedger(invariants);
        var v3 = Cart(3, ("L1", "AP-1", 2));

        ledger.Compare("c", v3, uncertain: true, checkedOut: false, now: Cart(4));
        Assert.True(invariants.AllHold);
        ledger.Compare("c", v3, uncertain: true, checkedOut: false, now: Cart(2));
        Assert.False(invariants.AllHold);
    }

    [Fact]
    public void Acknowledged_versions_of_one_cart_must_rise()
    {
        var invariants = new Invariants();
        var ledger = new CartLedger(invariants);

        ledger.Acknowledged(Cart(5));
        ledger.Acknowledged(Cart(5));

        Assert.Contains("versions must rise", invariants.Results.Single().Examples[0]);
    }

    [Fact]
    public void A_subscriber_that_saw_every_acknowledged_version_in_order_passes_and_gives_each_delay()
    {
        var invariants = new Invariants();
        var ledger = new SubscriberLedger(invariants);
        ledger.Received("c1", 1, timestamp: 100);
        ledger.Acknowledged("c1", 2, sentTimestamp: 150, acknowledgedTimestamp: 200, measured: true);
        ledger.Received("c1", 2, timestamp: 210);
        ledger.Received("c1", 3, timestamp: 290); // arrived before the mutation's response
        ledger.Acknowledged("c1", 3, sentTimestamp: 250, acknowledgedTimestamp: 300, measured: false);

        Assert.True(ledger.AllDelivered());
        var deliveries = ledger.Verify();

        Assert.True(invariants.AllHold);
        Assert.Equal([(2L, 210L), (3L, 290L)], deliveries.Select(d => (d.Version, d.Arrived)));
        Assert.Equal([true, false], deliveries.Select(d => d.Measured));
    }

    [Fact]
    public void A_subscriber_that_missed_a_version_or_saw_one_out_of_order_fails()
    {
        var invariants = new Invariants();
        var ledger = new SubscriberLedger(invariants);
        ledger.Received("missed", 1, 100);
        ledger.Acknowledged("missed", 2, 150, 200, true);
        ledger.Acknowledged("missed", 3, 250, 300, true);
        ledger.Received("missed", 3, 310);
        ledger.Received("backwards", 4, 100);
        ledger.Received("backwards", 3, 110);

        Assert.False(ledger.AllDelivered());
        ledger.Verify();

        var violation = invariants.Results.Single();
        Assert.Equal(2, violation.Violations);
        Assert.Contains(violation.Examples, e => e.StartsWith("missed: acknowledged v2 never arrived", StringComparison.Ordinal));
        Assert.Contains(violation.Examples, e => e.StartsWith("backwards: v3 after v4", StringComparison.Ordinal));
    }

    private static StockObservation Level(int onHand, int reserved = 0, int safety = 0, int? available = null) =>
        new(Key.Sku, Key.StoreId, onHand, reserved, safety, available ?? Math.Max(0, onHand - reserved - safety), 1);

    private static Dictionary<StockKey, StockObservation> Levels(StockObservation level) => new() { [level.Key] = level };

    private static CartSnapshot Cart(long version, params (string Id, string Sku, int Quantity)[] lines) =>
        new("c", version, false, [.. lines.Select(l => new CartLineSnapshot(l.Id, l.Sku, l.Quantity, "w1"))]);
}
