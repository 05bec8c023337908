using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests.Ceilings;

/// <summary>
/// The database's own ceiling: <c>pgbench</c>'s simple-update transaction (one UPDATE, one SELECT,
/// one INSERT, one durable COMMIT) at the same concurrency, against the same PostgreSQL server as
/// Omni, in a database of its own (<c>pgbench</c>) so Omni's data is untouched. Every transaction's
/// latency is read from pgbench's log into the same kind of histogram as the scenarios use.
/// </summary>
public sealed partial class PgBench() : Ceiling("pgbench simple-update", CeilingKind.Pgbench,
    "PostgreSQL alone: pgbench -N (UPDATE + SELECT + INSERT + COMMIT, synchronous_commit on), same server, own database")
{
    public const string Database = "pgbench";
    private const int Scale = 10;

    public override async Task<CeilingResult> Measure(ScenarioContext context, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (!context.Target.HasPostgres)
        {
            return CeilingResult.NotMeasured(Name, Kind, What, concurrency, "no PostgreSQL connection string (pass --postgres)");
        }
        if (FindPgBench() is not { } pgbench)
        {
            return CeilingResult.NotMeasured(Name, Kind, What, concurrency, "pgbench not found (PATH, /usr/lib/postgresql/*/bin)");
        }
        var server = new NpgsqlConnectionStringBuilder(context.Target.Postgres);
        await EnsureDatabase(server, pgbench, context.Log, cancellationToken);

        var logs = Directory.CreateTempSubdirectory("omni-pgbench-");
        try
        {
            var threads = Math.Max(1, Math.Min(concurrency, Environment.ProcessorCount));
            string[] arguments =
            [
                "-n", "-N", "-M", "prepared", "-c", $"{concurrency}", "-j", $"{threads}",
                "-T", $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}", "-l", "--log-prefix", Path.Combine(logs.FullName, "tx"),
                "-h", server.Host!, "-p", $"{server.Port}", "-U", server.Username!, Database,
            ];
            await context.Log.WriteLineAsync($"  [{Name}] pgbench {string.Join(' ', arguments.Where(a => a != "-l" && a != "--log-prefix" && !a.StartsWith(logs.FullName, StringComparison.Ordinal)))}");
            var sampler = new Report.ResourceSampler(context.Target);
            var first = await sampler.Sample(cancellationToken);
            var output = await Run(pgbench, arguments, server.Password, cancellationToken);
            var last = await sampler.Sample(cancellationToken);
            var tps = TpsLine().Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"pgbench printed no tps:\n{output}");
            var recorder = new WorkerRecorder();
            foreach (var file in logs.EnumerateFiles("tx*"))
            {
                foreach (var line in File.ReadLines(file.FullName))
                {
                    // client_id transaction_no time script_no time_epoch time_us: "time" is the latency in µs
                    var fields = line.Split(' ');
                    if (fields.Length >= 3 && long.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros))
                    {
                        recorder.Latency("transaction", micros, 0);
                    }
                }
            }
            var measured = Measurements.Merge([recorder], duration);
            var transactions = measured.Operations.GetValueOrDefault("transaction");
            var command = $"pgbench -n -N -M prepared -c {concurrency} -j {threads} -T {(int)Math.Round(duration.TotalSeconds)} {Database}  (scale {Scale})";
            return new CeilingResult(Name, Kind, What, concurrency, tps, "transactions/s", LatencySummary.Of(transactions), 0, command, null, measured,
                Report.ResourceSampler.Between(first, last, transactions?.Count ?? 0));
        }
        finally
        {
            logs.Delete(recursive: true);
        }
    }

    /// <summary>Creates the <c>pgbench</c> database and its tables once (scale 10: a million accounts).</summary>
    private static async Task EnsureDatabase(NpgsqlConnectionStringBuilder server, string pgbench, TextWriter log, CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = Database } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        var bench = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = Database, Pooling = false };
        await using (var connection = new NpgsqlConnection(bench.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT to_regclass('pgbench_branches') IS NOT NULL", connection);
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                await using var branches = new NpgsqlCommand("SELECT count(*) FROM pgbench_branches", connection);
                if (Convert.ToInt64(await branches.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == Scale)
                {
                    return;
                }
            }
        }
        await log.WriteLineAsync($"  [pgbench] initialising database '{Database}' at scale {Scale} (once)...");
        await Run(pgbench, ["-i", "-q", "-s", $"{Scale}", "-h", server.Host!, "-p", $"{server.Port}", "-U", server.Username!, Database], server.Password, cancellationToken);
    }

    private static async Task<string> Run(string pgbench, string[] arguments, string? password, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (password is not null)
        {
            info.Environment["PGPASSWORD"] = password;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start pgbench");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"pgbench exited with {process.ExitCode}:\n{output}");
    }

    public static string? FindPgBench()
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':') ?? [];
        var candidates = path.Select(p => Path.Combine(p, "pgbench"))
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "pgbench"))
                : []);
        return candidates.FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();
}
