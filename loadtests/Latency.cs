using System.Diagnostics;
using HdrHistogram;

namespace Omni.LoadTests;

/// <summary>Latencies in microseconds, recorded from many threads into one HdrHistogram.</summary>
public sealed class Latency
{
    private readonly LongConcurrentHistogram _histogram = new(1, TimeSpan.FromMinutes(1).Ticks / 10, 3);

    public long Count => _histogram.TotalCount;

    public void Record(long startTimestamp) =>
        _histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds));

    public double Percentile(double p) => _histogram.GetValueAtPercentile(p) / 1000.0;

    public double MaxMs => _histogram.GetMaxValue() / 1000.0;

    public string Summary() =>
        $"p50 {Percentile(50):0.00} ms  p90 {Percentile(90):0.00} ms  p99 {Percentile(99):0.00} ms  p99.9 {Percentile(99.9):0.00} ms  max {MaxMs:0.00} ms";
}
