using HdrHistogram;
using Omni.LoadTests.Ceilings;
using Omni.LoadTests.Checks;
using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests.Report;

/// <summary>Everything one run found, as written to report.json and rendered into report.md.</summary>
public sealed record RunReport(
    string Scenario,
    string Description,
    DateTimeOffset StartedAt,
    string Command,
    MachineInfo Machine,
    string Target,
    string Profile,
    bool Passed,
    string Verdict,
    IReadOnlyList<PhaseReport> Phases,
    IReadOnlyList<CeilingReport> Ceilings,
    IReadOnlyList<Figure> Figures,
    IReadOnlyList<TargetReport> Targets,
    IReadOnlyList<InvariantResult> Invariants,
    IReadOnlyList<string> Notes);

public sealed record MachineInfo(
    int Cores,
    long MemoryBytes,
    string Os,
    string Runtime,
    string LoadBefore,
    string LoadAfter,
    IReadOnlyList<string> BusyProcessesBefore,
    string? Commit,
    string? PostgresVersion);

/// <summary>One measured phase: a scenario, or a ceiling measured with the same runner.</summary>
public sealed record PhaseReport(
    string Name,
    string Kind,
    string Description,
    double ElapsedSeconds,
    long Calls,
    long Errors,
    double ErrorRate,
    IReadOnlyList<OperationReport> Operations,
    IReadOnlyDictionary<string, long> Counters,
    ResourceUse? Resources)
{
    public static PhaseReport From(string name, string kind, string description, Measurements measured, ResourceUse? resources = null) =>
        new(name, kind, description, measured.Elapsed.TotalSeconds, measured.TotalCount, measured.TotalErrors, measured.ErrorRate,
            [.. measured.Operations.OrderByDescending(o => o.Value.Count + o.Value.ErrorCount).Select(o => OperationReport.From(o.Key, o.Value, measured))],
            measured.Counters, resources);
}

public sealed record OperationReport(
    string Name,
    long Count,
    double Throughput,
    double P50,
    double P90,
    double P99,
    double P999,
    double Max,
    double Mean,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    long Refusals,
    IReadOnlyDictionary<string, long> RefusalsByCode,
    IReadOnlyList<TimelinePoint> Timeline,
    IReadOnlyList<PercentilePoint> Distribution)
{
    public static OperationReport From(string name, OperationRecord record, Measurements measured)
    {
        var latency = record.Latency;
        var empty = latency.TotalCount == 0;
        return new OperationReport(name, record.Count, measured.PerSecond(record.Count),
            empty ? 0 : Ms(latency.GetValueAtPercentile(50)), empty ? 0 : Ms(latency.GetValueAtPercentile(90)),
            empty ? 0 : Ms(latency.GetValueAtPercentile(99)), empty ? 0 : Ms(latency.GetValueAtPercentile(99.9)),
            empty ? 0 : Ms(latency.GetMaxValue()), empty ? 0 : latency.GetMean() / 1000.0,
            record.ErrorCount, new SortedDictionary<string, long>(record.Errors, StringComparer.Ordinal),
            record.RefusalCount, new SortedDictionary<string, long>(record.Refusals, StringComparer.Ordinal),
            // The last second is left out when the run ended in its first half: a sliver of a second is not a rate.
            [.. record.Seconds.Where(s => s.Key >= 0 && s.Key < Math.Max(1, Math.Ceiling(measured.Elapsed.TotalSeconds - 0.5))).Select(s => new TimelinePoint(s.Key, s.Value.Latency.TotalCount,
                s.Value.Latency.TotalCount == 0 ? 0 : Ms(s.Value.Latency.GetValueAtPercentile(50)),
                s.Value.Latency.TotalCount == 0 ? 0 : Ms(s.Value.Latency.GetValueAtPercentile(99)),
                s.Value.Latency.TotalCount == 0 ? 0 : Ms(s.Value.Latency.GetMaxValue()), s.Value.Errors))],
            empty ? [] : Spectrum(latency));
    }

    /// <summary>The percentile spectrum, thinned to about a hundred points (HdrHistogram's own iteration).</summary>
    private static List<PercentilePoint> Spectrum(HistogramBase latency)
    {
        var points = latency.Percentiles(5).Select(v => new PercentilePoint(v.Percentile, Ms(v.ValueIteratedTo))).ToList();
        if (points.Count > 120)
        {
            var step = points.Count / 100.0;
            points = [.. Enumerable.Range(0, 100).Select(i => points[(int)(i * step)]).Append(points[^1])];
        }
        return points;
    }

    private static double Ms(long micros) => micros / 1000.0;
}

public sealed record TimelinePoint(int Second, long Count, double P50, double P99, double Max, long Errors);

public sealed record PercentilePoint(double Percentile, double Ms);

public sealed record CeilingReport(
    string Name,
    string Kind,
    string What,
    int Concurrency,
    double Throughput,
    string Unit,
    LatencySummary? Latency,
    long Errors,
    string? Command,
    string? Skipped)
{
    public static CeilingReport From(CeilingResult result) =>
        new(result.Name, result.Kind.ToString(), result.What, result.Concurrency, result.Throughput, result.Unit, result.Latency,
            result.Errors, result.Command, result.Skipped);
}

/// <summary>A target checked in this run: the figure, the ceiling beside it, the ratio, and whether it holds.</summary>
public sealed record TargetReport(
    string Name,
    double? Measured,
    string? MeasuredAs,
    string? Ceiling,
    double? CeilingValue,
    double? Ratio,
    string Goal,
    bool? Met,
    string Verdict);
