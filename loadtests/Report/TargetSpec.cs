using System.Globalization;
using Omni.LoadTests.Ceilings;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests.Report;

public enum TargetRule
{
    /// <summary>figure / ceiling at least the threshold.</summary>
    RatioAtLeast,

    /// <summary>figure at most the threshold.</summary>
    AtMost,

    /// <summary>figure at least the threshold.</summary>
    AtLeast,

    /// <summary>figure / ceiling reported, no threshold.</summary>
    Ratio,
}

/// <summary>
/// A target from the issue, as a rule on this run's numbers. <see cref="Figure"/> names a figure (by
/// prefix) or a measured ceiling; <see cref="Ceiling"/> the ceiling it is divided by.
/// </summary>
public sealed record TargetSpec(string Name, string Figure, string? Ceiling, TargetRule Rule, double Threshold = 0)
{
    public TargetReport Evaluate(IReadOnlyList<Figure> figures, IReadOnlyList<CeilingResult> ceilings)
    {
        var (measured, measuredAs) = Find(Figure, figures, ceilings);
        var (ceilingValue, _) = Ceiling is null ? (null, null) : Find(Ceiling, figures, ceilings);
        var goal = Rule switch
        {
            TargetRule.RatioAtLeast => $">= {Threshold:P0} of {Ceiling}",
            TargetRule.AtMost => $"<= {Number(Threshold)}",
            TargetRule.AtLeast => $">= {Number(Threshold)}",
            _ => "ratio only",
        };
        if (measured is null)
        {
            return new TargetReport(Name, null, null, Ceiling, ceilingValue, null, goal, null, $"not measured in this run ({Figure})");
        }
        double? ratio = ceilingValue is > 0 ? measured / ceilingValue : null;
        if (Rule is TargetRule.RatioAtLeast or TargetRule.Ratio && ratio is null)
        {
            var why = ceilingValue is null ? "its ceiling was not measured" : "its ceiling measured 0";
            return new TargetReport(Name, measured, measuredAs, Ceiling, ceilingValue, null, goal, null, $"no verdict: {why} ({Ceiling})");
        }
        bool? met = Rule switch
        {
            TargetRule.RatioAtLeast => ratio >= Threshold,
            TargetRule.AtMost => measured <= Threshold,
            TargetRule.AtLeast => measured >= Threshold,
            _ => null,
        };
        var verdict = met switch
        {
            true => "met",
            false => "NOT met",
            null => ratio is { } r ? $"{r:P0} of the ceiling" : "",
        };
        return new TargetReport(Name, measured, measuredAs, Ceiling, ceilingValue, ratio, goal, met, verdict);
    }

    private static (double? Value, string? Name) Find(string name, IReadOnlyList<Figure> figures, IReadOnlyList<CeilingResult> ceilings)
    {
        if (figures.FirstOrDefault(f => f.Name.StartsWith(name, StringComparison.Ordinal)) is { } figure)
        {
            return (figure.Value, figure.Name);
        }
        if (ceilings.FirstOrDefault(c => c.Name == name && c.Skipped is null) is { } ceiling)
        {
            return (ceiling.Throughput, ceiling.Name);
        }
        return (null, null);
    }

    private static string Number(double value) => value.ToString("#,##0.##", CultureInfo.InvariantCulture);
}
