using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Omni.LoadTests.Report;

/// <summary>Writes a run's report.json, report.md and SVG charts into its results folder.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<string> Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"), JsonSerializer.Serialize(report, Json));

        var charts = new List<(string Title, string File)>();
        foreach (var phase in report.Phases.Where(p => p.Kind == "scenario"))
        {
            var file = $"latency-over-time-{Slug(phase.Name)}.svg";
            await File.WriteAllTextAsync(Path.Combine(directory, file), SvgCharts.LatencyOverTime($"{phase.Name}: latency over time", phase.Operations));
            charts.Add(($"{phase.Name}: latency over time (p99 solid, p50 dashed; calls/s beneath)", file));
        }
        var everything = report.Phases.SelectMany(p => p.Operations.Where(o => o.Count > 0).Select(o => (Name: $"{p.Name}: {o.Name}", Operation: o))).ToList();
        if (everything.Count > 0)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "latency-distribution.svg"),
                SvgCharts.LatencyDistribution($"{report.Scenario}: latency distribution", everything));
            charts.Add(("latency distribution (every operation of every phase, ceilings included)", "latency-distribution.svg"));
        }
        var markdown = Path.Combine(directory, "report.md");
        await File.WriteAllTextAsync(markdown, Markdown(report, charts));
        return markdown;
    }

    public static string Markdown(RunReport report, IReadOnlyList<(string Title, string File)> charts)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv($"# {report.Scenario}: {(report.Passed ? "passed" : "FAILED")}"));
        md.AppendLine();
        md.AppendLine(report.Description);
        md.AppendLine();
        md.AppendLine(Inv($"**{report.Verdict}**"));
        md.AppendLine();
        md.AppendLine("```sh");
        md.AppendLine(report.Command);
        md.AppendLine("```");
        md.AppendLine();
        var machine = report.Machine;
        md.AppendLine(Inv($"- started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC; {report.Profile}"));
        md.AppendLine(Inv($"- target: {report.Target}"));
        md.AppendLine(Inv($"- machine: {machine.Cores} cores, {machine.MemoryBytes / (1024.0 * 1024 * 1024):0.#} GiB, {machine.Os}, {machine.Runtime}{(machine.PostgresVersion is null ? "" : $", PostgreSQL {machine.PostgresVersion}")}{(machine.Commit is null ? "" : $", Omni {machine.Commit}")}"));
        md.AppendLine(Inv($"- load average (1, 5, 15 min): {machine.LoadBefore} before, {machine.LoadAfter} after"));
        if (machine.BusyProcessesBefore.Count > 0)
        {
            md.AppendLine(Inv($"- busiest processes before the run: {string.Join("; ", machine.BusyProcessesBefore)}"));
        }
        md.AppendLine();

        if (report.Targets.Count > 0)
        {
            md.AppendLine("## Targets");
            md.AppendLine();
            md.AppendLine("| target | measured | ceiling (same run) | ratio | goal | verdict |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var t in report.Targets)
            {
                md.AppendLine(Inv($"| {t.Name} | {Num(t.Measured)} | {(t.Ceiling is null ? "" : $"{Num(t.CeilingValue)} ({t.Ceiling})")} | {(t.Ratio is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "")} | {t.Goal} | **{t.Verdict}** |"));
            }
            md.AppendLine();
        }
        if (report.Figures.Count > 0)
        {
            md.AppendLine("## Figures");
            md.AppendLine();
            md.AppendLine("| figure | value | |");
            md.AppendLine("| --- | --- | --- |");
            foreach (var f in report.Figures)
            {
                md.AppendLine(Inv($"| {f.Name} | **{Num(f.Value)}** {f.Unit} | {f.Note} |"));
            }
            md.AppendLine();
        }

        foreach (var phase in report.Phases)
        {
            md.AppendLine(Inv($"## {(phase.Kind == "scenario" ? "Phase" : "Ceiling")}: {phase.Name}"));
            md.AppendLine();
            md.AppendLine(Inv($"{phase.Description}. {phase.Calls:N0} calls in {phase.ElapsedSeconds:0.00} s, {phase.Errors:N0} errors ({phase.ErrorRate:P2})."));
            md.AppendLine();
            md.AppendLine("| operation | calls | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | refusals |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var o in phase.Operations)
            {
                md.AppendLine(Inv($"| {o.Name} | {o.Count:N0} | {o.Throughput:N0} | {o.P50:0.00} | {o.P90:0.00} | {o.P99:0.00} | {o.P999:0.00} | {o.Max:0.00} | {o.Errors:N0} | {o.Refusals:N0} |"));
            }
            md.AppendLine();
            foreach (var o in phase.Operations.Where(o => o.Errors > 0 || o.Refusals > 0))
            {
                var parts = o.ErrorsByKind.Select(e => $"{e.Key} {e.Value:N0}").Concat(o.RefusalsByCode.Select(r => $"refused {r.Key} {r.Value:N0}"));
                md.AppendLine(Inv($"- {o.Name}: {string.Join(", ", parts)}"));
            }
            if (phase.Counters.Count > 0)
            {
                md.AppendLine(Inv($"- counted: {string.Join(", ", phase.Counters.Select(c => $"{c.Key} {c.Value:N0}"))}"));
            }
            md.AppendLine();
            if (phase.Resources is { } use)
            {
                WhereTheTimeGoes(md, use);
            }
        }

        if (report.Ceilings.Count > 0)
        {
            md.AppendLine("## Ceilings (measured in this run, at the same concurrency)");
            md.AppendLine();
            md.AppendLine("| ceiling | concurrency | throughput | p50 ms | p99 ms | max ms | what |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var c in report.Ceilings)
            {
                md.AppendLine(c.Skipped is not null
                    ? Inv($"| {c.Name} | {c.Concurrency} | not measured | | | | {c.Skipped} |")
                    : Inv($"| {c.Name} | {c.Concurrency} | **{c.Throughput:N0}** {c.Unit} | {c.Latency?.P50:0.00} | {c.Latency?.P99:0.00} | {c.Latency?.Max:0.00} | {c.What}{(c.Command is null ? "" : $" (`{c.Command}`)")} |"));
            }
            md.AppendLine();
        }

        md.AppendLine("## Invariants");
        md.AppendLine();
        md.AppendLine("| invariant | checks | violations |");
        md.AppendLine("| --- | ---: | ---: |");
        foreach (var i in report.Invariants)
        {
            md.AppendLine(Inv($"| {i.Name} | {i.Checks:N0} | {(i.Violations == 0 ? "0" : $"**{i.Violations:N0}**")} |"));
        }
        foreach (var i in report.Invariants.Where(i => i.Violations > 0))
        {
            md.AppendLine();
            md.AppendLine(Inv($"Violations of *{i.Name}* (first {i.Examples.Count}):"));
            foreach (var example in i.Examples)
            {
                md.AppendLine(Inv($"- {example}"));
            }
        }
        md.AppendLine();

        if (charts.Count > 0)
        {
            md.AppendLine("## Charts");
            md.AppendLine();
            foreach (var (title, file) in charts)
            {
                md.AppendLine(Inv($"![{title}]({file})"));
                md.AppendLine();
            }
        }
        if (report.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var note in report.Notes)
            {
                md.AppendLine(Inv($"- {note}"));
            }
        }
        return md.ToString();
    }

    private static void WhereTheTimeGoes(StringBuilder md, ResourceUse use)
    {
        md.AppendLine(Inv($"Where the time goes (over the {use.WallSeconds:0.0} s measured, {use.Calls:N0} calls): the machine's {use.Cores} cores were **{use.MachineBusy:P0} busy**."));
        md.AppendLine();
        md.AppendLine("| process | CPU s | cores busy | CPU ms per call |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (process, p) in use.Processes.OrderByDescending(p => p.Value.CpuSeconds))
        {
            md.AppendLine(Inv($"| {process} | {p.CpuSeconds:0.0} | {p.Cores:0.00} | {p.CpuMsPerCall:0.000} |"));
        }
        md.AppendLine();
        if (use.DatabaseCommits is { } commits)
        {
            md.AppendLine(Inv($"PostgreSQL (every database of the server): {commits:N0} commits, **{use.CommitsPerCall:0.00} per call**{(use.WalBytes is { } wal ? $", {wal / 1024.0 / 1024:0.0} MiB WAL ({(use.Calls > 0 ? wal / (double)use.Calls : 0):N0} bytes per call)" : "")}{(use.WalSyncs is { } syncs ? $", {syncs:N0} WAL syncs" : "")}."));
            if (use.RowWrites.Count > 0 && use.Calls > 0)
            {
                md.AppendLine(Inv($"Rows written per call, by table of Omni's database: {string.Join(", ", use.RowWrites.OrderByDescending(t => t.Value).Select(t => $"{t.Key} {t.Value / (double)use.Calls:0.00}"))}."));
            }
            md.AppendLine();
        }
    }

    private static string Slug(string name) =>
        new([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);

    private static string Num(double? value) => value switch
    {
        null => "",
        >= 100 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
