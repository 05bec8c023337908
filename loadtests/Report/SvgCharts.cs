using System.Globalization;
using System.Net;
using System.Text;

namespace Omni.LoadTests.Report;

/// <summary>
/// The report's charts as plain SVG, written by hand: latency over time (p50 and p99 per second,
/// with calls per second beneath) and the latency distribution (HdrHistogram's percentile spectrum).
/// Logarithmic latency axes, so a 2 ms median and a 400 ms tail are both readable.
/// </summary>
public static class SvgCharts
{
    private static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    private const int Width = 960;
    private const int Left = 70;
    private const int Right = 24;

    /// <summary>p99 (solid) and p50 (dashed) per second for each operation, and calls per second beneath.</summary>
    public static string LatencyOverTime(string title, IReadOnlyList<OperationReport> operations)
    {
        var series = operations.Where(o => o.Timeline.Count > 0).Take(Palette.Length).ToList();
        var legend = LegendRows([.. series.Select(s => s.Name)]);
        int latencyTop = 54 + (16 * legend), latencyHeight = 300, throughputTop = latencyTop + 350, throughputHeight = 150, height = throughputTop + 200;
        var svg = Begin(height, title);
        if (series.Count == 0)
        {
            return End(Text(svg, Width / 2, 200, "no operations measured", "middle"));
        }
        var seconds = Math.Max(1, series.Max(s => s.Timeline.Max(t => t.Second)) + 1);
        var latencies = series.SelectMany(s => s.Timeline).SelectMany(t => new[] { t.P50, t.P99 }).Where(v => v > 0).ToList();
        var (low, high) = LogRange(latencies);
        double X(double second) => Left + (second + 0.5) / seconds * (Width - Left - Right);
        double Y(double ms) => latencyTop + latencyHeight - (Math.Log10(Math.Max(ms, low)) - Math.Log10(low)) / (Math.Log10(high) - Math.Log10(low)) * latencyHeight;

        LogAxis(svg, low, high, latencyTop, latencyHeight, "latency (ms, log)");
        Legend(svg, series.Select(s => s.Name).ToList(), 40, "solid p99, dashed p50");
        for (var i = 0; i < series.Count; i++)
        {
            var points = series[i].Timeline.Where(t => t.Count > 0).ToList();
            Polyline(svg, points.Select(t => (X(t.Second), Y(t.P99))), Palette[i], 2, null);
            Polyline(svg, points.Select(t => (X(t.Second), Y(t.P50))), Palette[i], 1.2, "5,4");
        }

        var peak = Math.Max(1, series.SelectMany(s => s.Timeline).Max(t => t.Count));
        var top = NiceCeiling(peak);
        double Yt(double count) => throughputTop + throughputHeight - count / top * throughputHeight;
        LinearAxis(svg, top, throughputTop, throughputHeight, "calls/s");
        for (var i = 0; i < series.Count; i++)
        {
            Polyline(svg, series[i].Timeline.Select(t => (X(t.Second), Yt(t.Count))), Palette[i], 1.5, null);
        }
        TimeAxis(svg, seconds, X, throughputTop + throughputHeight);
        return End(svg);
    }

    /// <summary>Latency at each percentile (x: 0, 90, 99, 99.9, 99.99 % on a log scale of 1/(1-p)), one line per operation.</summary>
    public static string LatencyDistribution(string title, IReadOnlyList<(string Name, OperationReport Operation)> operations)
    {
        var series = operations.Where(o => o.Operation.Distribution.Count > 0).Take(Palette.Length).ToList();
        var legend = LegendRows([.. series.Select(s => s.Name)]);
        int top = 54 + (16 * legend), plotHeight = 420, height = top + plotHeight + 60;
        var svg = Begin(height, title);
        if (series.Count == 0)
        {
            return End(Text(svg, Width / 2, 200, "no operations measured", "middle"));
        }
        var (low, high) = LogRange([.. series.SelectMany(s => s.Operation.Distribution).Select(p => p.Ms).Where(v => v > 0)]);
        const double maxNines = 5; // 99.999 %
        static double Nines(double percentile) => Math.Min(maxNines, -Math.Log10(Math.Max(1e-9, 1 - percentile / 100)));
        double X(double percentile) => Left + Nines(percentile) / maxNines * (Width - Left - Right);
        double Y(double ms) => top + plotHeight - (Math.Log10(Math.Max(ms, low)) - Math.Log10(low)) / (Math.Log10(high) - Math.Log10(low)) * plotHeight;

        LogAxis(svg, low, high, top, plotHeight, "latency (ms, log)");
        foreach (var (label, nines) in new[] { ("0%", 0.0), ("90%", 1), ("99%", 2), ("99.9%", 3), ("99.99%", 4), ("99.999%", 5) })
        {
            var x = Left + nines / maxNines * (Width - Left - Right);
            Line(svg, x, top, x, top + plotHeight, "#e5e5e5");
            Text(svg, x, top + plotHeight + 18, label, "middle");
        }
        Text(svg, (Left + Width - Right) / 2.0, top + plotHeight + 40, "percentile", "middle");
        Legend(svg, [.. series.Select(s => s.Name)], 40, null);
        for (var i = 0; i < series.Count; i++)
        {
            Polyline(svg, series[i].Operation.Distribution.Select(p => (X(p.Percentile), Y(p.Ms))), Palette[i], 2, null);
        }
        return End(svg);
    }

    private static StringBuilder Begin(int height, string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n");
        Text(svg, Left, 24, title, "start", "font-size=\"16\" font-weight=\"bold\"");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static (double Low, double High) LogRange(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return (0.1, 10);
        }
        var low = Math.Pow(10, Math.Floor(Math.Log10(values.Min())));
        var high = Math.Pow(10, Math.Ceiling(Math.Log10(values.Max())));
        return (low, high <= low ? low * 10 : high);
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(v => v >= value);
    }

    private static void LogAxis(StringBuilder svg, double low, double high, double top, double height, string label)
    {
        var decades = (int)Math.Round(Math.Log10(high) - Math.Log10(low));
        for (var d = 0; d <= decades; d++)
        {
            var value = low * Math.Pow(10, d);
            var y = top + height - (double)d / decades * height;
            Line(svg, Left, y, Width - Right, y, "#e5e5e5");
            Text(svg, Left - 6, y + 4, Format(value), "end");
        }
        Line(svg, Left, top, Left, top + height, "#999");
        VerticalLabel(svg, 16, top + height / 2, label);
    }

    private static void LinearAxis(StringBuilder svg, double max, double top, double height, string label)
    {
        for (var i = 0; i <= 4; i++)
        {
            var y = top + height - i / 4.0 * height;
            Line(svg, Left, y, Width - Right, y, "#e5e5e5");
            Text(svg, Left - 6, y + 4, Format(max * i / 4), "end");
        }
        Line(svg, Left, top, Left, top + height, "#999");
        VerticalLabel(svg, 16, top + height / 2, label);
    }

    private static void TimeAxis(StringBuilder svg, int seconds, Func<double, double> x, double y)
    {
        var step = new[] { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600 }.First(s => seconds / s <= 12);
        for (var s = 0; s <= seconds; s += step)
        {
            Text(svg, x(s) - (x(1) - x(0)) / 2, y + 18, $"{s}s", "middle");
        }
        Text(svg, (Left + Width - Right) / 2.0, y + 38, "seconds into the measurement", "middle");
    }

    /// <summary>How many rows <see cref="Legend"/> takes for these names.</summary>
    private static int LegendRows(IReadOnlyList<string> names)
    {
        var rows = 1;
        var x = (double)Left;
        foreach (var name in names)
        {
            var width = LegendWidth(name);
            if (x + width > Width - Right)
            {
                x = Left;
                rows++;
            }
            x += width + 12;
        }
        return rows;
    }

    private static string LegendLabel(string name) => name.Length > 48 ? name[..47] + "…" : name;

    private static double LegendWidth(string name) => 28 + (LegendLabel(name).Length * 6.6);

    private static void Legend(StringBuilder svg, IReadOnlyList<string> names, double y, string? note)
    {
        var x = (double)Left;
        for (var i = 0; i < names.Count; i++)
        {
            var label = LegendLabel(names[i]);
            var width = LegendWidth(names[i]);
            if (x + width > Width - Right)
            {
                x = Left;
                y += 16;
            }
            Line(svg, x, y - 4, x + 18, y - 4, Palette[i], 3);
            Text(svg, x + 22, y, label, "start");
            x += width + 12;
        }
        if (note is not null)
        {
            Text(svg, Width - Right, 24, note, "end", "fill=\"#666\"");
        }
    }

    private static void Polyline(StringBuilder svg, IEnumerable<(double X, double Y)> points, string colour, double width, string? dash)
    {
        var list = points.ToList();
        if (list.Count == 0)
        {
            return;
        }
        if (list.Count == 1)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{list[0].X:0.#}\" cy=\"{list[0].Y:0.#}\" r=\"3\" fill=\"{colour}\"/>\n");
            return;
        }
        svg.Append("<polyline fill=\"none\" stroke=\"").Append(colour).Append(CultureInfo.InvariantCulture, $"\" stroke-width=\"{width}\"");
        if (dash is not null)
        {
            svg.Append(" stroke-dasharray=\"").Append(dash).Append('"');
        }
        svg.Append(" points=\"");
        foreach (var (x, y) in list)
        {
            svg.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
        }
        svg.Append("\"/>\n");
    }

    private static void Line(StringBuilder svg, double x1, double y1, double x2, double y2, string colour, double width = 1) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{x1:0.#}\" y1=\"{y1:0.#}\" x2=\"{x2:0.#}\" y2=\"{y2:0.#}\" stroke=\"{colour}\" stroke-width=\"{width}\"/>\n");

    private static StringBuilder Text(StringBuilder svg, double x, double y, string text, string anchor, string? attributes = null) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"{anchor}\"{(attributes is null ? "" : " " + attributes)}>{WebUtility.HtmlEncode(text)}</text>\n");

    private static void VerticalLabel(StringBuilder svg, double x, double y, string text) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"middle\" transform=\"rotate(-90 {x:0.#} {y:0.#})\">{WebUtility.HtmlEncode(text)}</text>\n");

    private static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("#,##0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
