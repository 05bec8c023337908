namespace Omni.LoadTests.Runner;

/// <summary>
/// One step of one virtual user: the calls it makes are timed and recorded here. In the open
/// model the first call of a step is timed from the step's intended start, so time spent waiting
/// behind a backlog counts; later calls of the step are timed from when they start.
/// </summary>
public sealed class Step
{
    private readonly WorkerRecorder _recorder;
    private readonly LiveStats? _live;
    private readonly TimeProvider _time;
    private readonly long _measureStart;
    private readonly Action? _stop;
    private long _nextStart;

    public Step(WorkerRecorder recorder, LiveStats? live, TimeProvider time, long intendedStart, long measureStart, bool measured,
        Action? stop, CancellationToken cancellation)
    {
        _recorder = recorder;
        _live = live;
        _time = time;
        _nextStart = intendedStart;
        _measureStart = measureStart;
        Measured = measured;
        _stop = stop;
        Cancellation = cancellation;
    }

    /// <summary>False during the warm-up: calls still run (and still count for the invariants) but are not recorded.</summary>
    public bool Measured { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>The kind of the last failure <see cref="Measure{T}"/> recorded, for the caller's bookkeeping.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Times <paramref name="call"/>. A thrown exception, or a result <paramref name="errorOf"/> names
    /// an error, is recorded as an error of that kind and yields null; anything else is a success.
    /// </summary>
    public async Task<T?> Measure<T>(string operation, Func<CancellationToken, Task<T>> call, Func<T, string?>? errorOf = null)
        where T : class
    {
        var started = StartTimestamp();
        T result;
        try
        {
            result = await call(Cancellation);
        }
        catch (Exception e) when (!Cancellation.IsCancellationRequested)
        {
            Fail(operation, ErrorKinds.Of(e));
            return null;
        }
        var ended = _time.GetTimestamp();
        if (errorOf?.Invoke(result) is { } kind)
        {
            (result as IDisposable)?.Dispose();
            Fail(operation, kind);
            return null;
        }
        Record(operation, started, ended);
        return result;
    }

    /// <summary>The timestamp the next measured call counts from (the intended start for the first).</summary>
    public long StartTimestamp()
    {
        var now = _time.GetTimestamp();
        var start = Math.Min(_nextStart, now);
        _nextStart = long.MaxValue;
        return start;
    }

    /// <summary>Records a latency measured elsewhere (e.g. an event's delay on a subscriber).</summary>
    public void Record(string operation, long startTimestamp, long endTimestamp)
    {
        var micros = (long)_time.GetElapsedTime(startTimestamp, endTimestamp).TotalMicroseconds;
        _live?.Latency(micros);
        if (Measured)
        {
            _recorder.Latency(operation, micros, SecondOf(endTimestamp));
        }
    }

    public void Fail(string operation, string kind)
    {
        LastError = kind;
        _live?.Error();
        if (Measured)
        {
            _recorder.Error(operation, kind, SecondOf(_time.GetTimestamp()));
        }
    }

    /// <summary>The domain said no (the call itself succeeded and its latency is recorded).</summary>
    public void Refused(string operation, string code)
    {
        if (Measured)
        {
            _recorder.Refusal(operation, code);
        }
    }

    /// <summary>Counts something the scenario reports per second (e.g. durable mutations), during the measurement only.</summary>
    public void Count(string counter, long amount = 1)
    {
        if (Measured)
        {
            _recorder.Count(counter, amount);
        }
    }

    /// <summary>Ends the run early (e.g. the flash sale sold out).</summary>
    public void StopRun() => _stop?.Invoke();

    internal int SecondOf(long timestamp) =>
        (int)Math.Floor(_time.GetElapsedTime(_measureStart, timestamp).TotalSeconds);
}
