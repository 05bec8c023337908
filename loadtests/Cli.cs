using System.Globalization;
using System.Text.RegularExpressions;
using Omni.LoadTests.Ceilings;
using Omni.LoadTests.Checks;
using Omni.LoadTests.Report;
using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests;

/// <summary>
/// <c>dotnet run -c Release --project loadtests -- &lt;scenario&gt; [options]</c>: runs a scenario's phases,
/// checks its invariants, measures its ceilings, evaluates its targets and writes the report.
/// Exit code 0: passed; 1: an invariant was broken; 2: bad usage; 3: too many errors; 4: the system
/// under load could not be prepared (not up, no demo data, dev tokens off...).
/// </summary>
public static partial class Cli
{
    public const int Passed = 0;
    public const int InvariantBroken = 1;
    public const int BadUsage = 2;
    public const int TooManyErrors = 3;
    public const int CouldNotRun = 4;

    public static async Task<int> Run(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await output.WriteLineAsync(Usage);
            return args.Length == 0 ? BadUsage : Passed;
        }
        try
        {
            var options = Options.Parse(args.Skip(1));
            if (args[0] == "memory")
            {
                return await MemoryProbe.Run(options, output, cancellationToken);
            }
            if (args[0] == "profile")
            {
                return await Profiling.CpuProfiler.Run(options, output, cancellationToken);
            }
            var definition = ScenarioCatalog.Find(args[0])
                ?? throw new ArgumentException($"no scenario '{args[0]}' ({string.Join(", ", ScenarioCatalog.All.Select(d => d.Name))}, memory)");
            return await RunScenario(definition, args, options, output, cancellationToken);
        }
        catch (ArgumentException e)
        {
            await output.WriteLineAsync($"loadtests: {e.Message}");
            return BadUsage;
        }
        catch (Exception e) when (e is HttpRequestException or GraphQL.GraphQLException or InvalidOperationException or Npgsql.NpgsqlException
            or System.Net.WebSockets.WebSocketException or TimeoutException)
        {
            await output.WriteLineAsync($"loadtests: could not run against the target: {e.Message}");
            return CouldNotRun;
        }
    }

    private static async Task<int> RunScenario(ScenarioDefinition definition, string[] args, Options options, TextWriter output, CancellationToken cancellationToken)
    {
        var profile = LoadProfile.From(options, definition.Users, definition.Duration, definition.WarmUp);
        var target = Target.Resolve(options);
        var quiet = options.Bool("quiet", false);
        var started = DateTimeOffset.UtcNow;
        var loadBefore = Machine.LoadAverage();
        var busyBefore = Machine.BusyProcesses();
        var phases = definition.Phases(options);
        var ceilings = SelectCeilings(definition.Ceilings(options), options.Get("ceilings", "all"));

        await output.WriteLineAsync($"{definition.Name}: {definition.Summary}");
        await output.WriteLineAsync($"  {profile.Describe()}");
        await output.WriteLineAsync($"  target {target.Describe()}; load average {loadBefore}");

        await using var context = new ScenarioContext(options, target, profile, output, TimeProvider.System);
        var phaseReports = new List<PhaseReport>();
        IReadOnlyDictionary<StockKey, StockObservation>? before = null;
        foreach (var phase in phases)
        {
            await output.WriteLineAsync($"[{phase.Name}] preparing {profile.Users} users...");
            await phase.Prepare(context, profile.Users, cancellationToken);
        }
        if (context.Stock.WatchedSkus.Count > 0)
        {
            before = await context.ReadStock(context.Stock.WatchedSkus, settle: true, cancellationToken);
        }
        var sampler = new ResourceSampler(target);
        foreach (var phase in phases)
        {
            var users = Enumerable.Range(0, profile.Users).Select(phase.CreateUser).ToList();
            ResourceSample? first = null, last = null;
            var runner = new LoadRunner(profile, context.Time, quiet ? null : output)
            {
                AtMeasureStart = async () => first = await sampler.Sample(cancellationToken),
                AtMeasureEnd = async () => last = await sampler.Sample(cancellationToken),
            };
            var measured = await runner.Run(phase.Name, users, cancellationToken);
            await output.WriteLineAsync($"[{phase.Name}] checking...");
            measured = await phase.Verify(context, measured, cancellationToken);
            var requests = measured.Operations.Where(o => !o.Key.StartsWith("myCartUpdated", StringComparison.Ordinal)).Sum(o => o.Value.Count + o.Value.ErrorCount);
            phaseReports.Add(PhaseReport.From(phase.Name, "scenario", phase.Description, measured,
                first is null || last is null ? null : ResourceSampler.Between(first, last, requests)));
        }
        await context.VerifyCartsAndStock(before, cancellationToken);

        var ceilingResults = new List<CeilingResult>();
        var ceilingConcurrency = options.Int("ceiling-concurrency", profile.Users);
        var ceilingDuration = options.Seconds("ceiling-duration", 10);
        foreach (var ceiling in ceilings)
        {
            await output.WriteLineAsync($"[ceiling] {ceiling.Name} at concurrency {ceilingConcurrency}...");
            CeilingResult result;
            try
            {
                result = await ceiling.Measure(context, ceilingConcurrency, ceilingDuration, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = CeilingResult.NotMeasured(ceiling.Name, ceiling.Kind, ceiling.What, ceilingConcurrency, $"failed: {e.Message}");
            }
            ceilingResults.Add(result);
            if (result.Phase is { } phase)
            {
                phaseReports.Add(PhaseReport.From(result.Name, "ceiling", result.What, phase, result.Resources));
            }
            await output.WriteLineAsync(result.Skipped is null
                ? $"  {result.Name}: {result.Throughput:N0} {result.Unit}"
                : $"  {result.Name}: not measured ({result.Skipped})");
        }

        var figures = context.Figures;
        var targets = definition.Targets(context).Select(t => t.Evaluate(figures, ceilingResults)).ToList();
        var scenarioPhases = phaseReports.Where(p => p.Kind == "scenario").ToList();
        var calls = scenarioPhases.Sum(p => p.Calls);
        var errors = scenarioPhases.Sum(p => p.Errors);
        var errorRate = calls + errors == 0 ? 0 : (double)errors / (calls + errors);
        var maxErrorRate = options.Double("max-error-rate", 0.01);
        var invariantsHold = context.Invariants.AllHold;
        var exit = !invariantsHold ? InvariantBroken : errorRate > maxErrorRate ? TooManyErrors : Passed;
        var verdict = exit switch
        {
            InvariantBroken => "FAILED: an invariant was broken (see Invariants); the speed of this run does not count",
            TooManyErrors => string.Create(CultureInfo.InvariantCulture, $"FAILED: {errorRate:P2} of calls failed (more than --max-error-rate {maxErrorRate:P2})"),
            _ => string.Create(CultureInfo.InvariantCulture, $"passed: every invariant held; {errorRate:P2} of calls failed"),
        };
        if (cancellationToken.IsCancellationRequested)
        {
            context.Note("interrupted (Ctrl+C): the figures cover only part of the run");
        }

        var repository = RepositoryRoot();
        var report = new RunReport(definition.Name, definition.Summary, started, CommandLine(args),
            Machine.Describe(loadBefore, busyBefore, repository, await Machine.PostgresVersion(target.Postgres)),
            target.Describe(), profile.Describe(), exit == Passed, verdict, phaseReports, [.. ceilingResults.Select(CeilingReport.From)],
            figures, targets, context.Invariants.Results, context.Notes);
        var directory = options.Get("out") ?? Path.Combine(repository ?? Directory.GetCurrentDirectory(), "loadtests", "results",
            string.Create(CultureInfo.InvariantCulture, $"{definition.Name}-{started:yyyyMMdd-HHmmss}"));
        var markdown = await ReportWriter.Write(report, directory);

        await output.WriteLineAsync();
        await PrintSummary(report, output);
        await output.WriteLineAsync($"report: {markdown}");
        return exit;
    }

    private static async Task PrintSummary(RunReport report, TextWriter output)
    {
        foreach (var phase in report.Phases.Where(p => p.Kind == "scenario"))
        {
            await output.WriteLineAsync($"{phase.Name}: {phase.Calls:N0} calls in {phase.ElapsedSeconds:0.0} s, {phase.Errors:N0} errors");
            foreach (var o in phase.Operations)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {o.Name,-36} {o.Throughput,9:N0}/s  p50 {o.P50,7:0.00}  p90 {o.P90,7:0.00}  p99 {o.P99,7:0.00}  p99.9 {o.P999,7:0.00}  max {o.Max,8:0.00} ms  errors {o.Errors:N0}  refused {o.Refusals:N0}"));
                if (o.ErrorsByKind.Count > 0)
                {
                    await output.WriteLineAsync("    errors by kind: " + string.Join(", ",
                        o.ErrorsByKind.OrderByDescending(e => e.Value).Take(5).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} {e.Value:N0}"))));
                }
            }
        }
        foreach (var figure in report.Figures)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {figure.Name}: {figure.Value:N2} {figure.Unit}"));
        }
        foreach (var target in report.Targets)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  target: {target.Name}: {target.Measured:N2}{(target.Ratio is { } r ? $" = {r:P0} of {target.CeilingValue:N0}" : "")} -> {target.Verdict}"));
        }
        foreach (var invariant in report.Invariants)
        {
            await output.WriteLineAsync($"  invariant: {invariant.Name}: {invariant.Checks:N0} checks, {invariant.Violations:N0} violations");
            foreach (var example in invariant.Examples.Take(3))
            {
                await output.WriteLineAsync($"    {example}");
            }
        }
        await output.WriteLineAsync(report.Verdict);
    }

    private static IReadOnlyList<Ceiling> SelectCeilings(IReadOnlyList<Ceiling> available, string selection)
    {
        if (selection.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        if (selection.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return available;
        }
        var kinds = selection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => Enum.TryParse<CeilingKind>(k, ignoreCase: true, out var kind) ? kind
                : throw new ArgumentException($"--ceilings takes all, none or a list of pgbench, orleans, bare, graphql; not '{k}'"))
            .ToHashSet();
        return [.. available.Where(c => kinds.Contains(c.Kind))];
    }

    /// <summary>The command that produced a report, as one would type it again (passwords left out).</summary>
    public static string CommandLine(IEnumerable<string> args) =>
        "dotnet run -c Release --project loadtests -- " + string.Join(' ', args.Select(a => Password().Replace(a, "Password=***")).Select(Quote));

    private static string Quote(string arg) => arg.Any(c => char.IsWhiteSpace(c) || c is ';' or '\'' or '"' or '&' or '|') ? $"'{arg}'" : arg;

    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Omni.Orleans.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }

    [GeneratedRegex("Password=[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex Password();

    public const string Usage = """
        usage: dotnet run -c Release --project loadtests -- <scenario> [options]

        scenarios:
          browse      product pages, availabilities of 20-50 SKUs, nearestStoresWithStock
          cart        WEB and APP sessions: add / change / remove lines with holds, checkout
          live        N app subscribers on myCartUpdated while the web side mutates (--subscribers 1000)
          pos         tills reserving, committing and selling at their stores
          flash-sale  one hot SKU until sold out (--units 20000 --via grains|graphql|both)
          mixed       a weighted blend (--weights browse=50,cart=25,pos=10,live=10,flash-sale=5; --flash-units 5000)
          memory      bytes per idle cart grain and per open subscription (--carts 100000 --subscriptions 1000)
          profile     a CPU profile of one process while another run loads it (--process api0|silo0 or --pid N, --seconds 10, --delay 0)

        load:
          --model closed|open   closed: N users back to back; open: a fixed arrival rate (--rate N/s), timed from the intended start
          --users N             virtual users (closed) or the pool arrivals draw from (open); --concurrency is the same
          --rate N              arrivals per second (open model)
          --duration S | --count N   measured seconds, or measured steps
          --warmup S            seconds run first and not measured
          --seed N              every random choice derives from it (default 1)
          --think-ms N          pause between a closed-model user's steps
          --timeout S           HTTP timeout of a call (30)

        scenario knobs:
          --skus N (cart, 300), --live-skus N (200), --pos-skus N (100), --stores N (pos, 32)
          --store ID (flash-sale, w1), --clients N (Orleans clients, 2), --concurrency N (memory, 64)
          --top N (profile: methods listed, 25), --trace FILE (profile: analyse an existing .nettrace),
          --focus TEXT (profile: the call paths through the first method whose name contains TEXT)

        target (default: .omni/endpoints.json from ./omni up, or --endpoints FILE):
          --url U[,U2]          GraphQL endpoints (two: the live scenario subscribes on one and mutates through the other)
          --postgres CS         the cluster's PostgreSQL (Orleans clients, pgbench)
          --silo-metrics U, --api-metrics U, --silo-pid N, --api-pid N   for memory

        ceilings and report:
          --ceilings all|none|pgbench,orleans,bare,graphql   measured after the scenario, at the same concurrency
          --ceiling-duration S (10), --ceiling-concurrency N (= --users)
          --out DIR             report folder (default loadtests/results/<scenario>-<time>/)
          --max-error-rate R    fail above this share of failed calls (default 0.01)
          --quiet               no progress lines

        exit code: 0 passed, 1 an invariant was broken, 2 bad usage, 3 too many errors, 4 the target could not be prepared
        """;
}
