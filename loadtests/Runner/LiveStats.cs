using HdrHistogram;

namespace Omni.LoadTests.Runner;

/// <summary>Numbers for the progress line: calls and errors so far, and the latencies of the last interval.</summary>
public sealed class LiveStats
{
    private readonly HdrHistogram.Recorder _interval = new(1, WorkerRecorder.HighestMicros, 2,
        (id, lowest, highest, digits) => new LongHistogram(id, lowest, highest, digits));
    private HistogramBase? _recycled;
    private long _completed;
    private long _errors;
    private long _inFlight;

    public long Completed => Interlocked.Read(ref _completed);
    public long Errors => Interlocked.Read(ref _errors);
    public long InFlight => Interlocked.Read(ref _inFlight);

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Finished() => Interlocked.Decrement(ref _inFlight);

    public void Latency(long micros)
    {
        Interlocked.Increment(ref _completed);
        _interval.RecordValue(Math.Clamp(micros, 1, WorkerRecorder.HighestMicros));
    }

    public void Error() => Interlocked.Increment(ref _errors);

    /// <summary>The latencies recorded since the last call.</summary>
    public HistogramBase TakeInterval()
    {
        var interval = _interval.GetIntervalHistogram(_recycled);
        _recycled = interval;
        return interval;
    }
}
