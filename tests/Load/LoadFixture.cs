using System.Text.Json;

namespace Omni.Tests.Load;

[CollectionDefinition(Name)]
public sealed class LoadCollection : ICollectionFixture<LoadFixture>
{
    public const string Name = "Load scenarios against real hosts";
}

/// <summary>
/// One silo (demo network with 50 products) and one API node (dev tokens and bench endpoints on, no rate limit),
/// the real executables, shared by every tiny scenario run. Runs leave their reports in a temporary
/// folder that is deleted afterwards.
/// </summary>
public sealed class LoadFixture : IAsyncLifetime
{
    private OmniHosts? _hosts;
    private TestDatabase? _database;
    private HostProcess? _silo;
    private HostProcess? _api;

    public string Reports { get; } = Directory.CreateTempSubdirectory("omni-load-reports-").FullName;

    public Uri ApiAddress => _api?.BaseAddress ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _hosts = await OmniHosts.Start(
            siloSettings: new Dictionary<string, string> { ["Omni__Seed__Demo"] = "true", ["Omni__Seed__Products"] = "50" },
            // The per-client budget (500/s by default) is tested on its own (RateLimitTests); here a few
            // till tokens make thousands of calls a second on a fast machine and would be refused.
            apiSettings: new Dictionary<string, string>
            {
                ["Omni__Auth__DevTokens"] = "true", ["Omni__Bench__Endpoints"] = "true", ["Omni__RateLimit__PermitsPerSecond"] = "0",
            });
        (_database, _silo, _api) = (_hosts.Database, _hosts.Silos[0], _hosts.Apis[0]);
    }

    /// <summary>Runs the load runner in-process, as `dotnet run --project loadtests -- args` would, against these hosts.</summary>
    public async Task<Run> Load(string name, params string[] args)
    {
        var output = Path.Combine(Reports, name);
        string[] all =
        [
            .. args,
            "--postgres", _database!.ConnectionString,
            "--url", new Uri(_api!.BaseAddress, "/graphql").ToString(),
            "--silo-metrics", new Uri(_silo!.BaseAddress, "/metrics").ToString(),
            "--api-metrics", new Uri(_api.BaseAddress, "/metrics").ToString(),
            "--silo-pid", _silo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--api-pid", _api.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", output, "--quiet",
        ];
        var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var exit = await Omni.LoadTests.Cli.Run(all, TextWriter.Synchronized(log), timeout.Token);
        var report = Path.Combine(output, "report.json");
        return new Run(exit, log.ToString(), File.Exists(report) ? JsonDocument.Parse(await File.ReadAllTextAsync(report)).RootElement.Clone() : default, output);
    }

    public async Task DisposeAsync()
    {
        if (_hosts is not null)
        {
            await _hosts.DisposeAsync();
        }
        Directory.Delete(Reports, recursive: true);
    }

    public sealed record Run(int Exit, string Log, JsonElement Report, string Folder)
    {
        /// <summary>The number of checks made of the invariant whose name starts with <paramref name="prefix"/>.</summary>
        public long Checks(string prefix) =>
            Report.GetProperty("invariants").EnumerateArray()
                .Where(i => i.GetProperty("name").GetString()!.StartsWith(prefix, StringComparison.Ordinal))
                .Sum(i => i.GetProperty("checks").GetInt64());

        public long Calls(string operation) =>
            Report.GetProperty("phases").EnumerateArray()
                .SelectMany(p => p.GetProperty("operations").EnumerateArray())
                .Where(o => o.GetProperty("name").GetString() == operation)
                .Sum(o => o.GetProperty("count").GetInt64());
    }
}
