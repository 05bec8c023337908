using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace Omni.LoadTests.Report;

/// <summary>What a reader needs to know about the machine a figure was measured on, and how busy it was.</summary>
public static class Machine
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static long MemoryBytes()
    {
        if (File.Exists("/proc/meminfo"))
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb))
            {
                return kb * 1024;
            }
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>
    /// The processes using the most CPU right now, sampled over a second from /proc (other builds and
    /// test runs show up here; this load generator does not).
    /// </summary>
    public static IReadOnlyList<string> BusyProcesses(int count = 5)
    {
        if (!Directory.Exists("/proc"))
        {
            return [];
        }
        var before = CpuTicks();
        Thread.Sleep(1000);
        var after = CpuTicks();
        return [.. after
            .Where(p => p.Key != Environment.ProcessId && before.ContainsKey(p.Key))
            .Select(p => (Pid: p.Key, Percent: (double)(p.Value - before[p.Key]))) // ticks of 1/100 s over one second: percent of a core
            .Where(p => p.Percent >= 5)
            .OrderByDescending(p => p.Percent)
            .Take(count)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{ProcessName(p.Pid)} {p.Percent:0}%"))];
    }

    private static Dictionary<int, long> CpuTicks()
    {
        var ticks = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }
        return ticks;
    }

    /// <summary>The program a process runs: the .dll a dotnet process hosts, else its command name.</summary>
    private static string ProcessName(int pid)
    {
        try
        {
            var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            var dll = args.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal));
            return dll is not null ? Path.GetFileName(dll) : args.Length > 0 ? Path.GetFileName(args[0]) : File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"pid {pid}";
        }
    }

    public static string? Commit(string? repository)
    {
        if (repository is null)
        {
            return null;
        }
        var head = RunQuietly("git", "-C", repository, "rev-parse", "--short", "HEAD")?.Trim();
        var dirty = RunQuietly("git", "-C", repository, "status", "--porcelain", "--untracked-files=no")?.Trim();
        return head is null ? null : $"{head}{(string.IsNullOrEmpty(dirty) ? "" : " + uncommitted changes")}";
    }

    public static async Task<string?> PostgresVersion(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return null;
        }
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SHOW server_version", connection);
            return (string?)await command.ExecuteScalarAsync();
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    public static MachineInfo Describe(string loadBefore, IReadOnlyList<string> busyBefore, string? repository, string? postgresVersion) =>
        new(Environment.ProcessorCount, MemoryBytes(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            loadBefore, LoadAverage(), busyBefore, Commit(repository), postgresVersion);

    private static string? RunQuietly(string program, params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
