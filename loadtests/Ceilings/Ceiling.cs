using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests.Ceilings;

/// <summary>Where a ceiling comes from: the database alone, Orleans alone, ASP.NET Core without GraphQL, or one GraphQL call in a loop.</summary>
public enum CeilingKind
{
    Pgbench,
    Orleans,
    Bare,
    GraphQL,
}

/// <summary>A latency summary in milliseconds.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary? Of(OperationRecord? operation) =>
        operation is null || operation.Count == 0
            ? null
            : new LatencySummary(Ms(operation.Latency.GetValueAtPercentile(50)), Ms(operation.Latency.GetValueAtPercentile(90)),
                Ms(operation.Latency.GetValueAtPercentile(99)), Ms(operation.Latency.GetValueAtPercentile(99.9)),
                Ms(HdrHistogram.HistogramExtensions.GetMaxValue(operation.Latency)), HdrHistogram.HistogramExtensions.GetMean(operation.Latency) / 1000.0);

    private static double Ms(long micros) => micros / 1000.0;
}

/// <summary>One measured ceiling, or why it was not measured.</summary>
public sealed record CeilingResult(
    string Name,
    CeilingKind Kind,
    string What,
    int Concurrency,
    double Throughput,
    string Unit,
    LatencySummary? Latency,
    long Errors,
    string? Command,
    string? Skipped,
    Measurements? Phase = null,
    Report.ResourceUse? Resources = null)
{
    public static CeilingResult NotMeasured(string name, CeilingKind kind, string what, int concurrency, string why) =>
        new(name, kind, what, concurrency, 0, "", null, 0, null, why);
}

/// <summary>What a figure is compared with: the same work done with less in the way.</summary>
public abstract class Ceiling(string name, CeilingKind kind, string what)
{
    public string Name { get; } = name;
    public CeilingKind Kind { get; } = kind;
    public string What { get; } = what;

    public abstract Task<CeilingResult> Measure(ScenarioContext context, int concurrency, TimeSpan duration, CancellationToken cancellationToken);
}

/// <summary>
/// A ceiling measured like a scenario: <c>concurrency</c> closed-model users repeating one call for
/// the duration (after a short warm-up), through the same runner and histograms.
/// </summary>
public sealed class LoopCeiling(
    string name,
    CeilingKind kind,
    string what,
    string operation,
    Func<ScenarioContext, int, CancellationToken, Task<IReadOnlyList<IVirtualUser>>> users,
    string unit = "calls/s") : Ceiling(name, kind, what)
{
    public override async Task<CeilingResult> Measure(ScenarioContext context, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        IReadOnlyList<IVirtualUser> loopUsers;
        try
        {
            loopUsers = await users(context, concurrency, cancellationToken);
        }
        catch (CeilingUnavailableException e)
        {
            return CeilingResult.NotMeasured(Name, Kind, What, concurrency, e.Message);
        }
        var profile = new LoadProfile(LoadModel.Closed, concurrency, 0, duration, null, TimeSpan.FromSeconds(Math.Min(3, duration.TotalSeconds / 3)),
            context.Profile.Seed, TimeSpan.Zero);
        var sampler = new Report.ResourceSampler(context.Target);
        Report.ResourceSample? first = null, last = null;
        var runner = new LoadRunner(profile, context.Time, context.Options.Bool("quiet", false) ? null : context.Log)
        {
            AtMeasureStart = async () => first = await sampler.Sample(cancellationToken),
            AtMeasureEnd = async () => last = await sampler.Sample(cancellationToken),
        };
        var measured = await runner.Run(Name, loopUsers, cancellationToken);
        var record = measured.Operations.GetValueOrDefault(operation);
        return new CeilingResult(Name, Kind, What, concurrency, measured.PerSecond(record?.Count ?? 0), unit,
            LatencySummary.Of(record), record?.ErrorCount ?? 0, null, null, measured,
            first is null || last is null ? null : Report.ResourceSampler.Between(first, last, (record?.Count ?? 0) + (record?.ErrorCount ?? 0)));
    }
}

/// <summary>The system cannot serve this ceiling (e.g. the bench endpoints are switched off).</summary>
public sealed class CeilingUnavailableException(string message) : Exception(message);
