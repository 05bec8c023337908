using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Omni.LoadTests.Profiling;

/// <summary>
/// A CPU profile of one .NET process of the system (a silo or an API node) while load runs: the
/// runtime's sample profiler through EventPipe (what dotnet-trace's cpu-sampling does), resolved
/// with TraceEvent. Counts only samples of threads running managed code, and sums them by
/// assembly and by method (inclusive: the method or anything it called; exclusive: the method itself).
/// </summary>
public static class CpuProfiler
{
    private const string SampleProfiler = "Microsoft-DotNETCore-SampleProfiler";

    public static async Task<int> Run(Options options, TextWriter output, CancellationToken cancellationToken)
    {
        if (options.Get("trace") is { } existing)
        {
            // Re-reads a trace taken earlier (e.g. after this analysis changed).
            var again = Markdown(Analyse(existing, options.Int("top", 25), options.Get("focus")), options.Get("process", "?"), 0, TimeSpan.Zero,
                Cli.CommandLine(["profile", .. options.Arguments]), File.GetLastWriteTimeUtc(existing));
            await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(existing))!, "profile.md"), again, cancellationToken);
            await output.WriteLineAsync(again);
            return Cli.Passed;
        }
        var target = Target.Resolve(options);
        var process = options.Get("process", "api0");
        var pid = options.Has("pid") ? options.Int("pid", 0)
            : process.StartsWith("silo", StringComparison.Ordinal) && options.Has("silo-pid") ? options.Int("silo-pid", 0)
            : process.StartsWith("api", StringComparison.Ordinal) && options.Has("api-pid") ? options.Int("api-pid", 0)
            : target.PidOf(process) ?? throw new ArgumentException($"no pid for '{process}': pass --pid, or --process silo0|api0 with ./omni up's .omni/pids");
        var delay = options.Seconds("delay", 0);
        var seconds = options.Seconds("seconds", 10);
        var top = options.Int("top", 25);
        var started = DateTimeOffset.UtcNow;
        var directory = options.Get("out") ?? Path.Combine(Cli.RepositoryRoot() ?? Directory.GetCurrentDirectory(), "loadtests", "results",
            string.Create(CultureInfo.InvariantCulture, $"profile-{process}-{started:yyyyMMdd-HHmmss}"));
        Directory.CreateDirectory(directory);
        var trace = Path.Combine(directory, "trace.nettrace");

        await Task.Delay(delay, cancellationToken);
        await output.WriteLineAsync($"profiling pid {pid} ({process}) for {seconds.TotalSeconds:0} s...");
        var client = new DiagnosticsClient(pid);
        using (var session = client.StartEventPipeSession(
            [
                new EventPipeProvider(SampleProfiler, EventLevel.Informational),
                new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, 0x10 | 0x8 | 0x20000000), // JIT, loader, compilation: method names
            ],
            requestRundown: true, circularBufferMB: 256))
        {
            await using var file = File.Create(trace);
            var copy = session.EventStream.CopyToAsync(file, cancellationToken);
            await Task.Delay(seconds, cancellationToken);
            await session.StopAsync(cancellationToken);
            await copy;
        }

        var profile = Analyse(trace, top, options.Get("focus"));
        var markdown = Markdown(profile, process, pid, seconds, Cli.CommandLine(["profile", .. options.Arguments]), started);
        await File.WriteAllTextAsync(Path.Combine(directory, "profile.md"), markdown, cancellationToken);
        await output.WriteLineAsync(markdown);
        await output.WriteLineAsync($"profile: {Path.Combine(directory, "profile.md")} (trace: {trace}, opens in PerfView or speedscope)");
        return Cli.Passed;
    }

    /// <summary>Top frames that are a thread waiting, not working: an idle thread pool, a thread parked for a GC, a blocked wait.</summary>
    private static readonly string[] Waits =
    [
        "System.Threading.LowLevelLifoSemaphore.Wait",
        "System.Threading.LowLevelSpinWaiter.Wait",
        "System.Threading.WaitHandle.WaitOne",
        "System.Threading.Monitor.Wait",
        "System.Threading.Thread.Sleep",
        "System.Threading.Thread.<PollGC>",
        "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart",
        "System.Threading.PortableThreadPool+GateThread",
        "System.Net.Sockets.SocketAsyncEngine.EventLoop",
    ];

    public sealed record Profile(long Samples, long Waiting, IReadOnlyList<(string Name, long Samples)> Assemblies,
        IReadOnlyList<(string Name, long Samples)> Inclusive, IReadOnlyList<(string Name, long Samples, string Callers)> Exclusive,
        string? Focus = null, IReadOnlyList<(string Stack, long Samples)>? FocusStacks = null);

    /// <summary>
    /// Reads a trace. With <paramref name="focus"/> (part of a method's name) it also counts the call
    /// paths through the first frame that matches it, from that frame down to the program's first
    /// caller, so "who calls this" has an answer deeper than one frame.
    /// </summary>
    public static Profile Analyse(string trace, int top, string? focus = null)
    {
        var focusStacks = new Dictionary<string, long>(StringComparer.Ordinal);
        var etlx = TraceLog.CreateFromEventPipeDataFile(trace);
        using var log = new TraceLog(etlx);
        var assemblies = new Dictionary<string, long>(StringComparer.Ordinal);
        var inclusive = new Dictionary<string, long>(StringComparer.Ordinal);
        var exclusive = new Dictionary<string, long>(StringComparer.Ordinal);
        var callers = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        long samples = 0, waiting = 0;
        var seenMethods = new HashSet<string>(StringComparer.Ordinal);
        var seenAssemblies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sample in log.Events)
        {
            if (sample.ProviderName != SampleProfiler || !Managed(sample) || sample.CallStack() is not { } stack)
            {
                continue;
            }
            var where = Name(stack.CodeAddress);
            // A native top frame (a syscall) counts as waiting when the managed code under it is a wait.
            var managedTop = Unresolved(where) ? FirstCaller(stack, name => !Unresolved(name)) ?? where : where;
            if (Waits.Any(w => managedTop.StartsWith(w, StringComparison.Ordinal)))
            {
                waiting++;
                continue;
            }
            samples++;
            exclusive[where] = exclusive.GetValueOrDefault(where) + 1;
            // The first caller that is the program's, not plumbing or the runtime's native helpers.
            if (FirstCaller(stack, name => !Plumbing(name) && !Unresolved(name)) is { } caller)
            {
                var byCaller = callers.TryGetValue(where, out var c) ? c : callers[where] = new Dictionary<string, long>(StringComparer.Ordinal);
                byCaller[caller] = byCaller.GetValueOrDefault(caller) + 1;
            }
            if (focus is not null && FocusPath(stack, focus) is { } path)
            {
                focusStacks[path] = focusStacks.GetValueOrDefault(path) + 1;
            }
            seenMethods.Clear();
            seenAssemblies.Clear();
            for (var frame = stack; frame is not null; frame = frame.Caller)
            {
                var method = Name(frame.CodeAddress);
                if (seenMethods.Add(method))
                {
                    inclusive[method] = inclusive.GetValueOrDefault(method) + 1;
                }
                var module = string.IsNullOrEmpty(frame.CodeAddress.ModuleName) ? "?" : frame.CodeAddress.ModuleName;
                if (seenAssemblies.Add(module))
                {
                    assemblies[module] = assemblies.GetValueOrDefault(module) + 1;
                }
            }
        }
        static List<(string, long)> Top(Dictionary<string, long> counts, int n) =>
            [.. counts.OrderByDescending(c => c.Value).Take(n).Select(c => (c.Key, c.Value))];
        // Thread-pool dispatch and async state-machine plumbing sit under everything: left out of the inclusive list.
        foreach (var plumbing in inclusive.Keys.Where(Plumbing).ToList())
        {
            inclusive.Remove(plumbing);
        }
        var hottest = exclusive.OrderByDescending(c => c.Value).Take(top)
            .Select(c => (c.Key, c.Value, callers.TryGetValue(c.Key, out var by)
                ? string.Join("; ", by.OrderByDescending(b => b.Value).Take(2).Select(b => $"{b.Key} ({b.Value * 100.0 / c.Value:0}%)"))
                : ""))
            .ToList();
        return new Profile(samples, waiting, Top(assemblies, top), Top(inclusive, top * 2), hottest,
            focus, focus is null ? null : Top(focusStacks, top));
    }

    /// <summary>A frame the runtime could not name (native code).</summary>
    private static bool Unresolved(string name) => name.EndsWith("!?", StringComparison.Ordinal);

    /// <summary>Thread-pool dispatch and async state-machine plumbing: under everything, telling nothing.</summary>
    private static bool Plumbing(string name) =>
        name.StartsWith("System.Threading.", StringComparison.Ordinal) || name.StartsWith("System.Runtime.CompilerServices.", StringComparison.Ordinal);

    /// <summary>The first frame above the top one that <paramref name="counts"/>.</summary>
    private static string? FirstCaller(TraceCallStack stack, Func<string, bool> counts)
    {
        for (var frame = stack.Caller; frame is not null; frame = frame.Caller)
        {
            var name = Name(frame.CodeAddress);
            if (counts(name))
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>The frames from the first one matching <paramref name="focus"/> down its callers (plumbing skipped, at most 12), joined by " ← ".</summary>
    private static string? FocusPath(TraceCallStack stack, string focus)
    {
        var frame = stack;
        while (frame is not null && !Name(frame.CodeAddress).Contains(focus, StringComparison.Ordinal))
        {
            frame = frame.Caller;
        }
        if (frame is null)
        {
            return null;
        }
        var path = new List<string>();
        for (; frame is not null && path.Count < 12; frame = frame.Caller)
        {
            var name = Name(frame.CodeAddress);
            if (!Plumbing(name) && !Unresolved(name))
            {
                var parameters = name.IndexOf('(', StringComparison.Ordinal);
                path.Add(parameters > 0 ? name[..parameters] : name);
            }
        }
        return string.Join(" ← ", path);
    }

    /// <summary>The sample profiler marks each sample: 2 = the thread was running managed code (1 = outside it, often waiting).</summary>
    private static bool Managed(TraceEvent sample)
    {
        var type = sample.PayloadByName("Type");
        return type is not null && Convert.ToInt32(type, CultureInfo.InvariantCulture) == 2;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Name(TraceCodeAddress address)
    {
        var method = address.FullMethodName;
        return string.IsNullOrEmpty(method) ? $"{address.ModuleName}!?" : method;
    }

    private static string Markdown(Profile profile, string process, int pid, TimeSpan seconds, string command, DateTimeOffset started)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# CPU profile: {process} (pid {pid})");
        md.AppendLine();
        md.AppendLine("```sh");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{profile.Samples:N0} samples of threads running managed code over {seconds.TotalSeconds:0} s from {started:yyyy-MM-dd HH:mm:ss} UTC (EventPipe sample profiler, about one per thread per millisecond); {profile.Waiting:N0} more were threads parked in a managed wait (an idle thread pool, a thread held for a GC, the socket event loop) and are left out. Percentages are of the working samples.");
        string Share(long samples) => (profile.Samples == 0 ? 0 : samples / (double)profile.Samples).ToString("P1", CultureInfo.InvariantCulture);
        void Table(string title, IReadOnlyList<(string Name, long Samples)> rows)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
            md.AppendLine();
            md.AppendLine("| | samples | share |");
            md.AppendLine("| --- | ---: | ---: |");
            foreach (var (name, samples) in rows)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| `{Cell(name)}` | {samples:N0} | {Share(samples)} |");
            }
        }
        Table("By assembly (inclusive)", profile.Assemblies);
        Table("By method (inclusive; thread-pool and async plumbing left out)", profile.Inclusive);
        md.AppendLine();
        md.AppendLine("## By method (exclusive: where the thread was when sampled), with its most frequent callers");
        md.AppendLine();
        md.AppendLine("| | samples | share | called from |");
        md.AppendLine("| --- | ---: | ---: | --- |");
        foreach (var (name, samples, from) in profile.Exclusive)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| `{Cell(name)}` | {samples:N0} | {Share(samples)} | {Cell(from)} |");
        }
        if (profile.FocusStacks is { } stacks)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## Call paths through `{Cell(profile.Focus!)}` (its first matching frame, then its callers)");
            md.AppendLine();
            md.AppendLine("| samples | share | path |");
            md.AppendLine("| ---: | ---: | --- |");
            foreach (var (path, samples) in stacks)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {samples:N0} | {Share(samples)} | {Cell(path)} |");
            }
        }
        return md.ToString();
    }
}
