namespace Omni.LoadTests.Runner;

/// <summary>
/// The open model's clock: arrival <c>n</c> is due at <c>start + n / rate</c>, fixed in advance and
/// independent of how long earlier arrivals took. Latency is measured from these intended starts,
/// so a system that falls behind shows its backlog in the latencies instead of silently receiving
/// less load (coordinated omission).
/// </summary>
public sealed class OpenSchedule
{
    private readonly long _start;
    private readonly double _ticksPerArrival;

    public OpenSchedule(double ratePerSecond, long startTimestamp, long timestampFrequency)
    {
        if (!(ratePerSecond > 0) || double.IsInfinity(ratePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "the arrival rate must be a positive number");
        }
        if (timestampFrequency <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timestampFrequency));
        }
        _start = startTimestamp;
        _ticksPerArrival = timestampFrequency / ratePerSecond;
    }

    /// <summary>When arrival <paramref name="arrival"/> (0-based) should start.</summary>
    public long IntendedStart(long arrival)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(arrival);
        return _start + (long)Math.Round(arrival * _ticksPerArrival);
    }

    /// <summary>How many arrivals are due at or before <paramref name="timestamp"/>.</summary>
    public long DueBy(long timestamp)
    {
        if (timestamp < _start)
        {
            return 0;
        }
        // An estimate, then corrected against IntendedStart itself so the two never disagree at a boundary.
        var last = (long)((timestamp - _start) / _ticksPerArrival);
        while (IntendedStart(last + 1) <= timestamp)
        {
            last++;
        }
        while (last > 0 && IntendedStart(last) > timestamp)
        {
            last--;
        }
        return last + 1;
    }
}
