using System.Globalization;
using Npgsql;

namespace Omni.LoadTests.Report;

/// <summary>
/// Where the time goes, in counters: CPU seconds of each process of the system (silos, API nodes,
/// PostgreSQL's server processes, the load generator itself) and of the whole machine, and
/// PostgreSQL's commits and WAL, sampled before and after a phase. Divided by the phase's calls this
/// says what one call costs, and whether the machine was the limit.
/// </summary>
public sealed class ResourceSampler(Target target)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public async Task<ResourceSample> Sample(CancellationToken cancellationToken)
    {
        var processes = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, pids, reaper) in Processes())
        {
            // A server's exited children (PostgreSQL's backends of closed connections) count in its own cutime/cstime.
            processes[name] = pids.Sum(pid => CpuSeconds(pid, withExitedChildren: pid == reaper));
        }
        processes["load generator (and pgbench)"] = CpuSeconds(Environment.ProcessId, withExitedChildren: true);
        var (busy, total) = MachineTicks();
        return new ResourceSample(DateTimeOffset.UtcNow, processes, busy / TicksPerSecond, total / TicksPerSecond, await Database(cancellationToken));
    }

    public static ResourceUse Between(ResourceSample before, ResourceSample after, long calls)
    {
        var wall = (after.At - before.At).TotalSeconds;
        var cpu = after.ProcessCpuSeconds.Keys.Intersect(before.ProcessCpuSeconds.Keys)
            .ToDictionary(k => k, k => Math.Max(0, after.ProcessCpuSeconds[k] - before.ProcessCpuSeconds[k]));
        var busy = after.MachineBusySeconds - before.MachineBusySeconds;
        var all = after.MachineTotalSeconds - before.MachineTotalSeconds;
        var commits = after.Database is { } a && before.Database is { } b ? a.Commits - b.Commits : (long?)null;
        var walBytes = after.Database is { WalBytes: { } aw } && before.Database is { WalBytes: { } bw } ? aw - bw : (long?)null;
        var walSyncs = after.Database is { WalSyncs: { } asy } && before.Database is { WalSyncs: { } bsy } ? asy - bsy : (long?)null;
        var rowWrites = after.Database is { } ad && before.Database is { } bd
            ? ad.RowWrites.Where(t => t.Value - bd.RowWrites.GetValueOrDefault(t.Key) > 0)
                .ToDictionary(t => t.Key, t => t.Value - bd.RowWrites.GetValueOrDefault(t.Key))
            : [];
        return new ResourceUse(wall, calls, all > 0 ? busy / all : 0, Environment.ProcessorCount,
            cpu.ToDictionary(p => p.Key, p => new ProcessUse(p.Value, wall > 0 ? p.Value / wall : 0, calls > 0 ? p.Value * 1000 / calls : 0)),
            commits, calls > 0 && commits is { } c ? (double)c / calls : null, walBytes, walSyncs, rowWrites);
    }

    /// <summary>The processes of the system under load: ./omni up's pid files, and PostgreSQL's server and its children.</summary>
    private IEnumerable<(string Name, int[] Pids, int Reaper)> Processes()
    {
        if (target.StateDirectory is null)
        {
            yield break;
        }
        var pids = Path.Combine(target.StateDirectory, "pids");
        if (Directory.Exists(pids))
        {
            foreach (var group in Directory.GetFiles(pids, "*.pid").GroupBy(f => Path.GetFileNameWithoutExtension(f).TrimEnd("0123456789".ToCharArray())))
            {
                var ids = group.Select(f => int.TryParse(File.ReadAllText(f).Trim(), out var id) ? id : 0).Where(id => id > 0 && Directory.Exists($"/proc/{id}")).ToArray();
                if (ids.Length > 0)
                {
                    yield return (group.Key == "api" ? "API node(s)" : group.Key == "silo" ? "silo(s)" : group.Key, ids, 0);
                }
            }
        }
        var postmaster = Path.Combine(target.StateDirectory, "pg", "data", "postmaster.pid");
        if (File.Exists(postmaster) && int.TryParse(File.ReadLines(postmaster).First().Trim(), out var server))
        {
            yield return ("PostgreSQL", [server, .. Children(server)], server);
        }
    }

    private static IEnumerable<int> Children(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } fields && fields.Length > 3
                && int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }

    /// <summary>utime + stime (fields 14, 15 of /proc/PID/stat), and cutime + cstime (16, 17) of waited-for children if asked.</summary>
    private static double CpuSeconds(int pid, bool withExitedChildren) =>
        Stat(pid) is { Length: > 16 } fields
            ? (Ticks(fields, 13) + Ticks(fields, 14) + (withExitedChildren ? Ticks(fields, 15) + Ticks(fields, 16) : 0)) / TicksPerSecond
            : 0;

    private static long Ticks(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    /// <summary>/proc/PID/stat, split after the command name (which may contain spaces); index 0 is the pid.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var close = text.LastIndexOf(')');
            return [text[..text.IndexOf(' ', StringComparison.Ordinal)], "comm", .. text[(close + 2)..].Split(' ')];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (double Busy, double Total) MachineTicks()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (0, 0);
        }
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = cpu[3] + (cpu.Length > 4 ? cpu[4] : 0);
        var total = cpu.Take(8).Sum();
        return (total - idle, total);
    }

    private async Task<DatabaseCounters?> Database(CancellationToken cancellationToken)
    {
        if (!target.HasPostgres)
        {
            return null;
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(target.Postgres) { Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var commits = new NpgsqlCommand("SELECT sum(xact_commit)::bigint FROM pg_stat_database", connection);
            var committed = Convert.ToInt64(await commits.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            long? walBytes = null, walSyncs = null;
            try
            {
                await using var wal = new NpgsqlCommand("SELECT wal_bytes::bigint, wal_sync FROM pg_stat_wal", connection);
                await using var reader = await wal.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    walBytes = reader.GetInt64(0);
                    walSyncs = reader.GetInt64(1);
                }
            }
            catch (PostgresException)
            {
                // pg_stat_wal is PostgreSQL 14+.
            }
            var tables = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var writes = new NpgsqlCommand("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables", connection))
            await using (var reader = await writes.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    tables[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
            return new DatabaseCounters(committed, walBytes, walSyncs, tables);
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }
}

/// <param name="RowWrites">rows inserted, updated and deleted so far per table of Omni's database.</param>
public sealed record DatabaseCounters(long Commits, long? WalBytes, long? WalSyncs, IReadOnlyDictionary<string, long> RowWrites);

public sealed record ResourceSample(
    DateTimeOffset At,
    IReadOnlyDictionary<string, double> ProcessCpuSeconds,
    double MachineBusySeconds,
    double MachineTotalSeconds,
    DatabaseCounters? Database);

/// <summary>One process's CPU over a phase: seconds, cores busy on average, and milliseconds per call.</summary>
public sealed record ProcessUse(double CpuSeconds, double Cores, double CpuMsPerCall);

/// <summary>What a phase cost: machine CPU utilisation, CPU per process, and database commits per call.</summary>
public sealed record ResourceUse(
    double WallSeconds,
    long Calls,
    double MachineBusy,
    int Cores,
    IReadOnlyDictionary<string, ProcessUse> Processes,
    long? DatabaseCommits,
    double? CommitsPerCall,
    long? WalBytes,
    long? WalSyncs,
    IReadOnlyDictionary<string, long> RowWrites);
