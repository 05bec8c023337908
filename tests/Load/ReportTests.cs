using System.Xml.Linq;
using Omni.LoadTests;
using Omni.LoadTests.Ceilings;
using Omni.LoadTests.Report;
using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.Tests.Load;

/// <summary>The report's arithmetic and files: targets against ceilings, Prometheus text, well-formed SVG.</summary>
[Trait("Tier", "Unit")]
public sealed class ReportTests
{
    private static readonly CeilingResult Pgbench = new("pgbench simple-update", CeilingKind.Pgbench, "db", 32, 6_000, "transactions/s", null, 0, null, null);

    [Fact]
    public void A_ratio_target_is_met_at_the_threshold_and_not_below()
    {
        var target = new TargetSpec("cart vs pgbench", "durable cart mutations/s", "pgbench simple-update", TargetRule.RatioAtLeast, 0.7);

        var met = target.Evaluate([new Figure("durable cart mutations/s", 4_200, "mutations/s")], [Pgbench]);
        var missed = target.Evaluate([new Figure("durable cart mutations/s", 600, "mutations/s")], [Pgbench]);

        Assert.True(met.Met);
        Assert.Equal(0.7, met.Ratio!.Value, 3);
        Assert.False(missed.Met);
        Assert.Equal("NOT met", missed.Verdict);
    }

    [Fact]
    public void A_target_without_its_figure_or_ceiling_has_no_verdict_rather_than_a_pass()
    {
        var target = new TargetSpec("cart vs pgbench", "durable cart mutations/s", "pgbench simple-update", TargetRule.RatioAtLeast, 0.7);
        var skipped = Pgbench with { Skipped = "pgbench not found", Throughput = 0 };

        var noCeiling = target.Evaluate([new Figure("durable cart mutations/s", 4_200, "mutations/s")], [skipped]);
        var noFigure = target.Evaluate([], [Pgbench]);

        Assert.Null(noCeiling.Met);
        Assert.StartsWith("no verdict", noCeiling.Verdict, StringComparison.Ordinal);
        Assert.Null(noFigure.Met);
    }

    [Fact]
    public void Absolute_targets_compare_the_figure_found_by_its_name_prefix()
    {
        var figures = new[] { new Figure("live p99 mutation-to-event delay (1,000 subscribers, 1 API node)", 12.5, "ms") };

        Assert.False(new TargetSpec("live", "live p99 mutation-to-event delay", null, TargetRule.AtMost, 10).Evaluate(figures, []).Met);
        Assert.True(new TargetSpec("live", "live p99 mutation-to-event delay", null, TargetRule.AtMost, 25).Evaluate(figures, []).Met);
    }

    [Fact]
    public void Prometheus_text_is_summed_over_every_label_set_of_one_metric_only()
    {
        const string text = """
            # TYPE dotnet_gc_last_collection_heap_size_bytes gauge
            dotnet_gc_last_collection_heap_size_bytes{gc_heap_generation="gen0"} 1000
            dotnet_gc_last_collection_heap_size_bytes{gc_heap_generation="gen2"} 2500 1700000000000
            dotnet_gc_last_collection_heap_size_bytes_other 7
            dotnet_process_memory_working_set_bytes 4096
            """;

        Assert.Equal(3500, Prometheus.Sum(text, "dotnet_gc_last_collection_heap_size_bytes"));
        Assert.Equal(4096, Prometheus.Sum(text, "dotnet_process_memory_working_set_bytes"));
        Assert.Equal(0, Prometheus.Sum(text, "absent"));
    }

    [Fact]
    public async Task The_report_is_written_as_json_markdown_and_well_formed_svg_charts()
    {
        var recorder = new WorkerRecorder();
        for (var second = 0; second < 5; second++)
        {
            for (var i = 1; i <= 100; i++)
            {
                recorder.Latency("addCartLine", i * 100 * (second + 1), second);
            }
        }
        recorder.Error("addCartLine", "http-503", 2);
        var measured = Measurements.Merge([recorder], TimeSpan.FromSeconds(5));
        var phase = PhaseReport.From("cart", "scenario", "a test", measured);
        var report = new RunReport("cart", "a test", DateTimeOffset.UtcNow, "dotnet run -- cart", Machine.Describe("0, 0, 0", [], null, null),
            "nowhere", "closed", true, "passed", [phase], [CeilingReport.From(Pgbench)], [new Figure("durable cart mutations/s", 100, "mutations/s")],
            [], [new Omni.LoadTests.Checks.InvariantResult("no unit oversold", 10, 0, [])], []);
        var folder = Directory.CreateTempSubdirectory("omni-report-test-").FullName;
        try
        {
            var markdown = await ReportWriter.Write(report, folder);

            var text = await File.ReadAllTextAsync(markdown);
            Assert.Contains("| addCartLine | 500 |", text);
            Assert.Contains("http-503 1", text);
            Assert.Contains("![", text);
            foreach (var svg in Directory.GetFiles(folder, "*.svg"))
            {
                var root = XDocument.Parse(await File.ReadAllTextAsync(svg)).Root!;
                Assert.Equal("svg", root.Name.LocalName);
                Assert.Contains(root.Descendants(), e => e.Name.LocalName == "polyline");
            }
            Assert.Equal(2, Directory.GetFiles(folder, "*.svg").Length);
            Assert.True(File.Exists(Path.Combine(folder, "report.json")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_command_a_report_quotes_leaves_passwords_out()
    {
        var command = Cli.CommandLine(["cart", "--postgres", "Host=db;Password=s3cret;Database=omni"]);

        Assert.DoesNotContain("s3cret", command);
        Assert.StartsWith("dotnet run -c Release --project loadtests -- cart --postgres 'Host=db;Password=***;Database=omni'", command, StringComparison.Ordinal);
    }
}
