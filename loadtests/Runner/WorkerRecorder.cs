using HdrHistogram;

namespace Omni.LoadTests.Runner;

/// <summary>
/// What one worker measured: per operation a latency histogram (microseconds, 3 significant
/// digits), one coarser histogram per second of the run for latency over time, errors by kind and
/// domain refusals by code; and named counters. Each virtual user records into the recorder of its
/// worker shard; after the run <see cref="Measurements.Merge"/> adds them up. A lock keeps it safe
/// for the few users that share a shard.
/// </summary>
public sealed class WorkerRecorder
{
    /// <summary>The longest latency kept apart from the rest: 10 minutes. Longer ones are counted as 10 minutes.</summary>
    public const long HighestMicros = 600_000_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);

    /// <summary>A successful call that took <paramref name="micros"/>, completing in second <paramref name="second"/> of the measurement.</summary>
    public void Latency(string operation, long micros, int second)
    {
        var value = Math.Clamp(micros, 1, HighestMicros);
        lock (_lock)
        {
            var record = Operation(operation);
            record.Latency.RecordValue(value);
            record.Second(second).Latency.RecordValue(value);
        }
    }

    /// <summary>A call that failed (no answer, a transport or server error): counted by kind, no latency.</summary>
    public void Error(string operation, string kind, int second)
    {
        lock (_lock)
        {
            var record = Operation(operation);
            record.Errors[kind] = record.Errors.GetValueOrDefault(kind) + 1;
            record.Second(second).Errors++;
        }
    }

    /// <summary>An answered call the domain refused (e.g. INSUFFICIENT_STOCK): its latency is recorded as well.</summary>
    public void Refusal(string operation, string code)
    {
        lock (_lock)
        {
            var record = Operation(operation);
            record.Refusals[code] = record.Refusals.GetValueOrDefault(code) + 1;
        }
    }

    public void Count(string counter, long amount = 1)
    {
        lock (_lock)
        {
            _counters[counter] = _counters.GetValueOrDefault(counter) + amount;
        }
    }

    /// <summary>Adds everything this recorder holds into <paramref name="into"/> (the merge step).</summary>
    internal void AddTo(Dictionary<string, OperationRecord> into, Dictionary<string, long> counters)
    {
        lock (_lock)
        {
            foreach (var (name, record) in _operations)
            {
                if (!into.TryGetValue(name, out var target))
                {
                    into[name] = target = new OperationRecord();
                }
                target.Add(record);
            }
            foreach (var (name, value) in _counters)
            {
                counters[name] = counters.GetValueOrDefault(name) + value;
            }
        }
    }

    private OperationRecord Operation(string name)
    {
        if (!_operations.TryGetValue(name, out var record))
        {
            _operations[name] = record = new OperationRecord();
        }
        return record;
    }

    internal static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    internal static IntHistogram NewSecondHistogram() => new(1, HighestMicros, 2);
}

/// <summary>One operation's numbers, in a worker's recorder or merged.</summary>
public sealed class OperationRecord
{
    public LongHistogram Latency { get; } = WorkerRecorder.NewHistogram();
    public SortedDictionary<int, SecondRecord> Seconds { get; } = [];
    public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Refusals { get; } = new(StringComparer.Ordinal);

    public long Count => Latency.TotalCount;
    public long ErrorCount => Errors.Values.Sum();
    public long RefusalCount => Refusals.Values.Sum();

    internal SecondRecord Second(int second)
    {
        if (!Seconds.TryGetValue(second, out var bucket))
        {
            Seconds[second] = bucket = new SecondRecord();
        }
        return bucket;
    }

    internal void Add(OperationRecord other)
    {
        Latency.Add(other.Latency);
        foreach (var (second, bucket) in other.Seconds)
        {
            var target = Second(second);
            target.Latency.Add(bucket.Latency);
            target.Errors += bucket.Errors;
        }
        foreach (var (kind, count) in other.Errors)
        {
            Errors[kind] = Errors.GetValueOrDefault(kind) + count;
        }
        foreach (var (code, count) in other.Refusals)
        {
            Refusals[code] = Refusals.GetValueOrDefault(code) + count;
        }
    }
}

/// <summary>One second of one operation: its latencies (2 significant digits) and errors.</summary>
public sealed class SecondRecord
{
    public IntHistogram Latency { get; } = WorkerRecorder.NewSecondHistogram();
    public long Errors { get; set; }
}
