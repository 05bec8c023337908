namespace Omni.LoadTests.Checks;

/// <summary>
/// The correctness a run checks as it goes. Any violation fails the run, however fast it was.
/// Thread-safe: workers report observations concurrently.
/// </summary>
public sealed class Invariants
{
    public const string NoUnitOversold = "no unit oversold (reserved + sold <= received)";
    public const string StockLevelsConsistent = "stock levels consistent (available = max(0, onHand - reserved - safetyStock))";
    public const string AcknowledgedChangesVisible = "every acknowledged change visible afterwards";
    public const string SubscribersSawEveryVersion = "every subscriber saw every version, in order";
    public const string ExactlyTheStockGranted = "exactly the stock granted";

    private const int MaxExamples = 10;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Holds(string invariant, long checks = 1)
    {
        lock (_lock)
        {
            EntryOf(invariant).Checks += checks;
        }
    }

    public void Violated(string invariant, string detail)
    {
        lock (_lock)
        {
            var entry = EntryOf(invariant);
            entry.Checks++;
            entry.Violations++;
            if (entry.Examples.Count < MaxExamples)
            {
                entry.Examples.Add(detail);
            }
        }
    }

    public void Check(string invariant, bool holds, Func<string> detail)
    {
        if (holds)
        {
            Holds(invariant);
        }
        else
        {
            Violated(invariant, detail());
        }
    }

    public bool AllHold
    {
        get
        {
            lock (_lock)
            {
                return _entries.Values.All(e => e.Violations == 0);
            }
        }
    }

    public IReadOnlyList<InvariantResult> Results
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Select(e => new InvariantResult(e.Key, e.Value.Checks, e.Value.Violations, [.. e.Value.Examples]))];
            }
        }
    }

    private Entry EntryOf(string invariant)
    {
        if (!_entries.TryGetValue(invariant, out var entry))
        {
            _entries[invariant] = entry = new Entry();
        }
        return entry;
    }

    private sealed class Entry
    {
        public long Checks { get; set; }
        public long Violations { get; set; }
        public List<string> Examples { get; } = [];
    }
}

public sealed record InvariantResult(string Name, long Checks, long Violations, IReadOnlyList<string> Examples)
{
    public bool Holds => Violations == 0;
}
