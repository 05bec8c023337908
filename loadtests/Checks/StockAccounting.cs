using System.Collections.Concurrent;
using System.Text.Json;
using Omni.LoadTests.GraphQL;

namespace Omni.LoadTests.Checks;

/// <summary>One SKU at one location as a response showed it.</summary>
public sealed record StockObservation(string Sku, string StoreId, int OnHand, int Reserved, int SafetyStock, int Available, long Version)
{
    public static StockObservation? From(JsonElement level) =>
        level.ValueKind != JsonValueKind.Object
            ? null
            : new StockObservation(level.String("sku") ?? "", level.String("storeId") ?? "", level.Int("onHand"), level.Int("reserved"),
                level.Int("safetyStock"), level.Int("available"), level.Long("version"));

    public StockKey Key => new(StoreId, Sku);
}

public readonly record struct StockKey(string StoreId, string Sku)
{
    public override string ToString() => $"{StoreId}/{Sku}";
}

/// <summary>
/// The units a run moved, per SKU at a location, from the acknowledgements it received, and the
/// checks on every stock level it saw. Afterwards the net change of on-hand must lie between what
/// was acknowledged and what was acknowledged plus what is uncertain (calls that got no answer may
/// or may not have happened), and nothing may be held beyond what is on hand.
/// </summary>
public sealed class StockAccounting(Invariants invariants)
{
    private readonly ConcurrentDictionary<StockKey, Movements> _movements = new();
    private readonly ConcurrentDictionary<string, byte> _watched = new(StringComparer.Ordinal);

    /// <summary>The SKUs whose levels are read before and after the run.</summary>
    public IReadOnlyCollection<string> WatchedSkus => [.. _watched.Keys.Order(StringComparer.Ordinal)];

    public void Watch(IEnumerable<string> skus)
    {
        foreach (var sku in skus)
        {
            _watched.TryAdd(sku, 0);
        }
    }

    public void Sold(StockKey key, int units) => Add(key, m => m.Sold += units);

    public void MaybeSold(StockKey key, int units) => Add(key, m => m.MaybeSold += units);

    /// <summary>Checks a level a response showed: consistent in itself and nothing held beyond what is there.</summary>
    public void Observe(StockObservation? level, string where)
    {
        if (level is null)
        {
            return;
        }
        // Called for every level of every response: no allocation unless something is wrong.
        var expected = Math.Max(0, level.OnHand - level.Reserved - level.SafetyStock);
        if (level.Available == expected && level.OnHand >= 0 && level.Reserved >= 0 && level.SafetyStock >= 0)
        {
            invariants.Holds(Invariants.StockLevelsConsistent);
        }
        else
        {
            invariants.Violated(Invariants.StockLevelsConsistent,
                $"{level.Key} v{level.Version} in {where}: onHand {level.OnHand}, reserved {level.Reserved}, safety {level.SafetyStock}, available {level.Available} (expected {expected})");
        }
        if (level.Reserved <= level.OnHand)
        {
            invariants.Holds(Invariants.NoUnitOversold);
        }
        else
        {
            invariants.Violated(Invariants.NoUnitOversold, $"{level.Key} v{level.Version} in {where}: {level.Reserved} reserved but only {level.OnHand} on hand");
        }
    }

    /// <summary>
    /// Compares the levels before and after the run. For every location of a watched SKU: the units
    /// gone (on-hand before + received - on-hand after) must be at least the sales acknowledged and at
    /// most those plus the uncertain ones; and reserved + sold must not exceed received.
    /// </summary>
    public void Verify(IReadOnlyDictionary<StockKey, StockObservation> before, IReadOnlyDictionary<StockKey, StockObservation> after)
    {
        foreach (var key in before.Keys.Union(after.Keys).Union(_movements.Keys))
        {
            var initial = before.GetValueOrDefault(key);
            var final = after.GetValueOrDefault(key);
            var moved = _movements.GetValueOrDefault(key) ?? new Movements();
            var onHandBefore = initial?.OnHand ?? 0;
            var onHandAfter = final?.OnHand ?? 0;
            var gone = onHandBefore - onHandAfter;
            // Stock is received while preparing, before the first reading; during the run only sales move on-hand.
            var least = moved.Sold;
            var most = moved.Sold + moved.MaybeSold;
            invariants.Check(Invariants.AcknowledgedChangesVisible, gone >= least,
                () => $"{key}: on-hand went {onHandBefore} -> {onHandAfter} ({gone} gone) but {moved.Sold} sold were acknowledged: an acknowledged sale is missing");
            invariants.Check(Invariants.NoUnitOversold, gone <= most && (final?.Reserved ?? 0) <= onHandAfter,
                () => gone > most
                    ? $"{key}: {gone} units left on-hand but only {moved.Sold} sales were acknowledged ({moved.MaybeSold} uncertain)"
                    : $"{key}: {final!.Reserved} reserved with {onHandAfter} on hand");
        }
    }

    private void Add(StockKey key, Action<Movements> change)
    {
        var movements = _movements.GetOrAdd(key, _ => new Movements());
        lock (movements)
        {
            change(movements);
        }
    }

    private sealed class Movements
    {
        public int Sold { get; set; }
        public int MaybeSold { get; set; }
    }
}
