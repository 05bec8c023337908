using System.Diagnostics;
using Npgsql;

namespace Omni.Tests.Foundation;

/// <summary>
/// The `omni` script's parts that touch files and the private PostgreSQL, called one function at a
/// time (the script only defines them when sourced) against the real shell, files and server.
/// </summary>
[Trait("Tier", "Host")]
public sealed class OmniScriptTests
{
    private static readonly string Script = Path.Combine(HostProcess.RepositoryRoot, "omni");

    [Fact]
    public async Task A_private_file_is_never_readable_by_others_not_even_while_it_is_written()
    {
        var folder = Directory.CreateTempSubdirectory("omni-private-file-").FullName;
        try
        {
            var file = Path.Combine(folder, "endpoints.json");
            await File.WriteAllTextAsync(file, "an older file, world-readable");
            await Bash("""chmod 644 "$1" """, file);

            // The writer's input is the mode of the file being written, read while it is being written.
            var (exit, output) = await Bash("""
                umask 022
                write_private "$1" < <(until ls "$1".?* >/dev/null 2>&1; do :; done; stat -c %a "$1".?*)
                stat -c %a "$1"
                """, file);

            Assert.True(exit == 0, output);
            Assert.Equal("600", (await File.ReadAllTextAsync(file)).Trim());
            Assert.Equal("600", output.Trim());
            Assert.Contains("write_private \"$STATE/endpoints.json\"", await File.ReadAllTextAsync(Script), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [RootFact]
    public async Task The_private_server_starts_from_a_checkout_the_postgres_user_cannot_enter()
    {
        // A checkout under a folder only root may enter, as under /root.
        var home = Directory.CreateTempSubdirectory("omni-private-checkout-").FullName;
        await Bash("""chmod 700 "$1" """, home);
        var state = Path.Combine(home, "checkout", ".omni", "pg");
        Directory.CreateDirectory(state);
        var port = HostProcess.FreePort();
        try
        {
            var (exit, output) = await Bash("""pg_start "$1" "$2" """, state, port.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.True(exit == 0, output);
            var connection = output.Trim().Split('\n')[^1];
            await using var db = NpgsqlDataSource.Create(connection);
            Assert.Equal(1, await db.CreateCommand("SELECT 1").ExecuteScalarAsync());
            Assert.False(Directory.Exists(Path.Combine(state, "data")), "the data folder cannot be inside the private checkout");
            Assert.Equal("600", (await Bash("""stat -c %a "$1/password" """, state)).Output.Trim());
        }
        finally
        {
            await Bash("""pg_stop "$1"; pg_purge "$1" """, state);
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Seeding_progress_is_read_from_the_silo_log_of_this_run_only()
    {
        var log = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(log, "info: Omni.Silo.Seeding.DemoSeeder[0]\n      Seeding demo data: products 3000/3000\n");
            var from = new FileInfo(log).Length;
            // As wait_ready calls it, under the script's set -euo pipefail: no line yet must not end the script.
            var (beforeExit, before) = await Bash("""progress=$(seed_progress "$1" "$2"); printf '%s' "$progress" """, log, from.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await File.AppendAllTextAsync(log,
                "info: Omni.Silo.Seeding.DemoSeeder[0]\n      Seeding demo data: products 300/3000\ninfo: Omni.Silo.Seeding.DemoSeeder[0]\n      Seeding demo data: products 600/3000\n");

            var (exit, after) = await Bash("""seed_progress "$1" "$2" """, log, from.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.Equal(0, beforeExit);
            Assert.Equal(0, exit);
            Assert.Equal("", before.Trim());
            Assert.Equal("seeding demo data: products 600/3000", after.Trim());
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task The_seeding_silo_logs_what_it_seeds_and_how_far_it_has_got()
    {
        await using var db = await TestDatabase.Create();
        await using var silo = HostProcess.Silo(db.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__Seed__Demo"] = "true",
            ["Omni__Seed__Products"] = "200",
        });

        await silo.WaitReady(TimeSpan.FromSeconds(120));

        Assert.Contains("Seeding demo data: locations 33/33", silo.Output, StringComparison.Ordinal);
        Assert.Contains("Seeding demo data: products 200/200", silo.Output, StringComparison.Ordinal);
        Assert.Matches(@"Seeding demo data: stock levels (\d+)/\1", silo.Output);
        Assert.Matches(@"Seeding demo data: products \d{1,2}/200", silo.Output);
    }

    [Fact]
    public async Task The_closing_summary_names_each_failed_test_with_the_start_of_its_message()
    {
        var results = Directory.CreateTempSubdirectory("omni-summary-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(results.FullName, "all-tests.txt"), "A.Fails\nA.Passes\n");
            await File.WriteAllTextAsync(Path.Combine(results.FullName, "run.trx"), """
                <TestRun><Results>
                <UnitTestResult testId="1" testName="A.Passes" outcome="Passed"><Output /></UnitTestResult>
                <UnitTestResult testId="2" testName="A.Fails" outcome="Failed"><Output><ErrorInfo><Message>Assert.Equal() Failure: Values differ&#xD;
                Expected: 3 &amp; &lt;more&gt;</Message><StackTrace>at A.Fails()</StackTrace></ErrorInfo></Output></UnitTestResult>
                </Results></TestRun>
                """);

            var (exit, output) = await Bash("""summarize "$1" """, results.FullName);

            Assert.NotEqual(0, exit);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal("1 passed, 1 failed, 0 skipped", lines[^1]);
            var failed = Array.IndexOf(lines, "Failed (1):");
            Assert.True(failed >= 0, output);
            Assert.Equal(["A.Fails", "Assert.Equal() Failure: Values differ", "Expected: 3 & <more>"], lines[(failed + 1)..^1]);
            Assert.DoesNotContain("at A.Fails()", output, StringComparison.Ordinal);
        }
        finally
        {
            results.Delete(recursive: true);
        }
    }

    /// <summary>Runs <paramref name="commands"/> in bash with the script sourced and the arguments as $1, $2...</summary>
    private static async Task<(int Exit, string Output)> Bash(string commands, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"source \"$OMNI_SCRIPT\"\n{commands}");
        info.ArgumentList.Add("omni-test");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["OMNI_SCRIPT"] = Script;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await errors);
    }
}

/// <summary>A fact that needs root (it runs PostgreSQL as the postgres user): skipped, saying so, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "SKIPPED: needs root, to run the private PostgreSQL as the postgres user as ./omni up does for root.";
        }
    }
}
