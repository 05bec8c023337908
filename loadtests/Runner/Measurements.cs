namespace Omni.LoadTests.Runner;

/// <summary>Everything a run measured, merged across its workers.</summary>
public sealed class Measurements
{
    private Measurements(IReadOnlyDictionary<string, OperationRecord> operations, IReadOnlyDictionary<string, long> counters, TimeSpan elapsed,
        long measureStart)
    {
        Operations = operations;
        Counters = counters;
        Elapsed = elapsed;
        MeasureStart = measureStart;
    }

    /// <summary>The timestamp (TimeProvider ticks) the measurement began at: second 0 of the timelines.</summary>
    public long MeasureStart { get; }

    public IReadOnlyDictionary<string, OperationRecord> Operations { get; }
    public IReadOnlyDictionary<string, long> Counters { get; }

    /// <summary>From the end of the warm-up to the completion of the last measured step.</summary>
    public TimeSpan Elapsed { get; }

    public long TotalCount => Operations.Values.Sum(o => o.Count);
    public long TotalErrors => Operations.Values.Sum(o => o.ErrorCount);

    /// <summary>Errors over every call that was made (answered or not).</summary>
    public double ErrorRate => TotalCount + TotalErrors == 0 ? 0 : (double)TotalErrors / (TotalCount + TotalErrors);

    public long Counter(string name) => Counters.GetValueOrDefault(name);

    /// <summary>Per second of the measurement, for a counter or an operation.</summary>
    public double PerSecond(long count) => Elapsed > TimeSpan.Zero ? count / Elapsed.TotalSeconds : 0;

    public static Measurements Merge(IEnumerable<WorkerRecorder> recorders, TimeSpan elapsed, long measureStart = 0)
    {
        var operations = new Dictionary<string, OperationRecord>(StringComparer.Ordinal);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var recorder in recorders)
        {
            recorder.AddTo(operations, counters);
        }
        return new Measurements(operations, counters, elapsed, measureStart);
    }

    /// <summary>These measurements and what <paramref name="extra"/> recorded after the run (e.g. event delays matched up afterwards).</summary>
    public Measurements With(WorkerRecorder extra)
    {
        var operations = new Dictionary<string, OperationRecord>(StringComparer.Ordinal);
        foreach (var (name, record) in Operations)
        {
            var copy = new OperationRecord();
            copy.Add(record);
            operations[name] = copy;
        }
        var counters = new Dictionary<string, long>(Counters, StringComparer.Ordinal);
        extra.AddTo(operations, counters);
        return new Measurements(operations, counters, Elapsed, MeasureStart);
    }
}
