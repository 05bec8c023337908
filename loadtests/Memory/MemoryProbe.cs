using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Omni.Carts;
using Omni.Common;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Report;
using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests;

/// <summary>
/// Memory per thing held: activates N carts (opened, durable, then idle) through Orleans clients and
/// compares the silo before and after; opens N <c>myCartUpdated</c> subscriptions (a WebSocket each)
/// on one API node and compares that node before and after. "Before" and "after" are read after a
/// full blocking GC the probe induces in the process (an EventPipe session with the runtime's
/// GCHeapCollect keyword, as dotnet-gcdump does), so the GC heap figure is live data, not garbage.
/// </summary>
public static class MemoryProbe
{
    public static async Task<int> Run(Options options, TextWriter output, CancellationToken cancellationToken)
    {
        var target = Target.Resolve(options);
        var carts = options.Int("carts", 100_000);
        var subscriptions = options.Int("subscriptions", 1_000);
        var started = DateTimeOffset.UtcNow;
        var loadBefore = Machine.LoadAverage();
        var busyBefore = Machine.BusyProcesses();
        var profile = new LoadProfile(LoadModel.Closed, options.Int("concurrency", 64), 0, TimeSpan.FromSeconds(1), null, TimeSpan.Zero,
            options.Int("seed", 1), TimeSpan.Zero);
        await using var context = new ScenarioContext(options, target, profile, output, TimeProvider.System);
        var results = new List<MemoryResult>();

        if (carts > 0)
        {
            var siloPid = options.Has("silo-pid") ? options.Int("silo-pid", 0) : target.PidOf("silo0");
            var silo = new ProcessProbe("silo", siloPid, target.SiloMetrics, context.Http);
            await output.WriteLineAsync($"memory: {carts:N0} idle carts on the silo (pid {siloPid?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, {target.SiloMetrics})");
            var before = await silo.Read(cancellationToken);
            var grains = await context.Orleans(2, cancellationToken);
            var opened = 0;
            await Parallel.ForAsync(0, carts, new ParallelOptions { MaxDegreeOfParallelism = profile.Users, CancellationToken = cancellationToken },
                async (i, _) =>
                {
                    await grains[i % grains.Length].Ref<ICartGrain>(Guid.NewGuid()).Open(null, Channel.WEB);
                    if (Interlocked.Increment(ref opened) % 10_000 == 0)
                    {
                        await output.WriteLineAsync($"  {opened:N0} carts opened");
                    }
                });
            var after = await silo.Read(cancellationToken);
            results.Add(MemoryResult.Of("idle active cart grain (opened, durable, no lines) on the silo", carts, before, after));
        }

        if (subscriptions > 0)
        {
            var apiPid = options.Has("api-pid") ? options.Int("api-pid", 0) : target.PidOf("api0");
            var api = new ProcessProbe("API node", apiPid, target.ApiMetrics, context.Http);
            var node = context.Node(0);
            await output.WriteLineAsync($"memory: {subscriptions:N0} myCartUpdated subscriptions on one API node (pid {apiPid?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, {target.ApiMetrics})");
            // The customers, their sessions and carts exist first: the API node holds none of that, but the silo does.
            var customers = new (string Id, string Token)[subscriptions];
            await Parallel.ForAsync(0, subscriptions, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    var id = $"mem-{context.RunId}-{i}";
                    var token = await context.Tokens.Customer(node.Node, id);
                    using var session = await node.Send(Documents.StartSession, new { channel = "APP" }, token, ct);
                    session.Require("startSession");
                    customers[i] = (id, token);
                });
            var before = await api.Read(cancellationToken);
            var sockets = new GraphQLSubscriber[subscriptions];
            try
            {
                await Parallel.ForAsync(0, subscriptions, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                    async (i, ct) =>
                    {
                        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        sockets[i] = await GraphQLSubscriber.Connect(node.Endpoint, customers[i].Token, LoopbackSources.For(node.Endpoint), context.Time, ct);
                        await sockets[i].Subscribe("cart", Documents.MyCartUpdated, null, (_, _) => first.TrySetResult(),
                            why => first.TrySetException(new InvalidOperationException($"subscription ended: {why}")), ct);
                        await first.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
                    });
                await output.WriteLineAsync($"  {subscriptions:N0} subscriptions live");
                var after = await api.Read(cancellationToken);
                results.Add(MemoryResult.Of("open myCartUpdated subscription (a WebSocket each) on the API node", subscriptions, before, after));
            }
            finally
            {
                await Task.WhenAll(sockets.Where(s => s is not null).Select(async s => await s.DisposeAsync()));
            }
        }

        var command = Cli.CommandLine(["memory", .. options.Arguments]);
        var directory = options.Get("out") ?? Path.Combine(Cli.RepositoryRoot() ?? Directory.GetCurrentDirectory(), "loadtests", "results",
            string.Create(CultureInfo.InvariantCulture, $"memory-{started:yyyyMMdd-HHmmss}"));
        Directory.CreateDirectory(directory);
        var machine = Machine.Describe(loadBefore, busyBefore, Cli.RepositoryRoot(), await Machine.PostgresVersion(target.Postgres));
        var report = new MemoryReport(started, command, machine, results, context.Notes);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"),
            JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }), cancellationToken);
        var markdown = Markdown(report);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), markdown, cancellationToken);
        await output.WriteLineAsync();
        await output.WriteLineAsync(markdown);
        await output.WriteLineAsync($"report: {Path.Combine(directory, "report.md")}");
        return results.Count > 0 ? Cli.Passed : Cli.BadUsage;
    }

    private static string Markdown(MemoryReport report)
    {
        var md = new StringBuilder();
        md.AppendLine("# memory per item held");
        md.AppendLine();
        md.AppendLine("```sh");
        md.AppendLine(report.Command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"- started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC on {report.Machine.Cores} cores; load average {report.Machine.LoadBefore} before, {report.Machine.LoadAfter} after"));
        md.AppendLine();
        md.AppendLine("| item | count | GC heap per item | working set per item | GC heap before -> after | working set before -> after | full GC induced |");
        md.AppendLine("| --- | ---: | ---: | ---: | --- | --- | --- |");
        foreach (var r in report.Results)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Item} | {r.Count:N0} | **{r.HeapBytesPerItem:N0} B** | {r.WorkingSetBytesPerItem:N0} B | {Mb(r.Before.HeapBytes)} -> {Mb(r.After.HeapBytes)} | {Mb(r.Before.WorkingSetBytes)} -> {Mb(r.After.WorkingSetBytes)} | {(r.Before.GcInduced && r.After.GcInduced ? "yes" : "no: " + (r.After.Note ?? r.Before.Note))} |"));
        }
        md.AppendLine();
        md.AppendLine("GC heap: the runtime's own heap size (GCHeapStats) right after a full blocking GC this probe induces. Working set: /proc/<pid>/status VmRSS (else `dotnet_process_memory_working_set_bytes`).");
        foreach (var note in report.Notes)
        {
            md.AppendLine($"- {note}");
        }
        return md.ToString();
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB");

    public sealed record MemoryReport(DateTimeOffset StartedAt, string Command, MachineInfo Machine, IReadOnlyList<MemoryResult> Results, IReadOnlyList<string> Notes);

    public sealed record MemorySample(long HeapBytes, long WorkingSetBytes, bool GcInduced, string? Note);

    public sealed record MemoryResult(string Item, int Count, MemorySample Before, MemorySample After, double HeapBytesPerItem, double WorkingSetBytesPerItem)
    {
        public static MemoryResult Of(string item, int count, MemorySample before, MemorySample after) =>
            new(item, count, before, after, (after.HeapBytes - before.HeapBytes) / (double)count, (after.WorkingSetBytes - before.WorkingSetBytes) / (double)count);
    }

    /// <summary>One process's memory, read from its /metrics and /proc after a GC this probe induces.</summary>
    private sealed class ProcessProbe(string name, int? pid, Uri? metrics, HttpClient http)
    {
        public async Task<MemorySample> Read(CancellationToken cancellationToken)
        {
            var (heapAfterGc, note) = pid is { } id ? await InduceFullGc(id, cancellationToken) : (null, $"no pid for the {name}: pass --{(name == "silo" ? "silo" : "api")}-pid");
            var text = metrics is null ? "" : await http.GetStringAsync(metrics, cancellationToken);
            var heap = heapAfterGc ?? (long)Prometheus.Sum(text, "dotnet_gc_last_collection_heap_size_bytes");
            var induced = heapAfterGc is not null;
            var rss = pid is { } p && Rss(p) is { } bytes ? bytes : (long)Prometheus.Sum(text, "dotnet_process_memory_working_set_bytes");
            return new MemorySample(heap, rss, induced, note);
        }

        private static long? Rss(int pid)
        {
            var status = $"/proc/{pid}/status";
            var line = File.Exists(status) ? File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) : null;
            return line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)
                ? kb * 1024
                : null;
        }

        /// <summary>
        /// Asks the runtime of <paramref name="processId"/> for a full blocking GC (an EventPipe session
        /// with the GCHeapCollect keyword, 0x800000, as dotnet-gcdump does) and returns the heap size the
        /// runtime reports right after it (the GCHeapStats event that follows the gen-2 GC's end).
        /// </summary>
        private static async Task<(long? HeapBytes, string? Note)> InduceFullGc(int processId, CancellationToken cancellationToken)
        {
            try
            {
                var client = new DiagnosticsClient(processId);
                const long GcKeyword = 0x1, GcHeapCollectKeyword = 0x800000;
                using var session = client.StartEventPipeSession(
                    [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword)],
                    requestRundown: false, circularBufferMB: 64);
                using var source = new EventPipeEventSource(session.EventStream);
                var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                var fullGcEnded = false;
                source.Clr.GCStop += e => fullGcEnded |= e.Depth == 2;
                source.Clr.GCHeapStats += e =>
                {
                    if (fullGcEnded)
                    {
                        heap.TrySetResult(e.TotalHeapSize);
                    }
                };
                var processing = Task.Run(source.Process, CancellationToken.None);
                try
                {
                    return (await heap.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken), null);
                }
                finally
                {
                    session.Stop();
                    await processing.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                }
            }
            catch (Exception e) when (e is ServerNotAvailableException or UnsupportedCommandException or IOException or TimeoutException or UnauthorizedAccessException)
            {
                return (null, $"could not induce a GC in pid {processId}: {e.Message}");
            }
        }
    }
}

/// <summary>Reads numbers out of Prometheus text exposition.</summary>
public static class Prometheus
{
    /// <summary>The sum of every series of <paramref name="metric"/> (all label sets).</summary>
    public static double Sum(string text, string metric)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is '{' or ' ')
            {
                var value = line[(line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : metric.Length)..].Trim().Split(' ')[0];
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    sum += number;
                }
            }
        }
        return sum;
    }
}
