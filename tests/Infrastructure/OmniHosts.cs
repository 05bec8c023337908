namespace Omni.Tests.Infrastructure;

/// <summary>
/// A fresh database and the real executables on it, as <c>./omni up</c> runs them: the one way
/// host fixtures and host tests boot silos and API nodes. Silos and API nodes can be added while
/// it runs (a crash test starts a second silo after the first holds the grain it will kill), and
/// everything is stopped, the database dropped, in reverse order on dispose.
/// </summary>
public sealed class OmniHosts : IAsyncDisposable
{
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    private readonly List<HostProcess> _processes = [];
    private readonly IDictionary<string, string> _siloSettings;
    private readonly IDictionary<string, string> _apiSettings;

    private OmniHosts(TestDatabase database, IDictionary<string, string> siloSettings, IDictionary<string, string> apiSettings)
    {
        Database = database;
        _siloSettings = siloSettings;
        _apiSettings = apiSettings;
    }

    public TestDatabase Database { get; }
    public string ConnectionString => Database.ConnectionString;
    public List<HostProcess> Silos { get; } = [];
    public List<HostProcess> Apis { get; } = [];

    /// <summary>
    /// A new database, then <paramref name="silos"/> silos (ready before any API node starts, so
    /// every node knows every gateway), then <paramref name="apis"/> API nodes.
    /// </summary>
    public static async Task<OmniHosts> Start(
        int silos = 1, int apis = 1, IDictionary<string, string>? siloSettings = null, IDictionary<string, string>? apiSettings = null)
    {
        var hosts = new OmniHosts(await TestDatabase.Create(), siloSettings ?? new Dictionary<string, string>(), apiSettings ?? new Dictionary<string, string>());
        try
        {
            await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => hosts.AddSilo()));
            await Task.WhenAll(Enumerable.Range(0, apis).Select(_ => hosts.AddApi()));
            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    /// <summary>One more silo with the hosts' silo settings (and <paramref name="extra"/>), once it is ready.</summary>
    public async Task<HostProcess> AddSilo(IDictionary<string, string>? extra = null)
    {
        var silo = HostProcess.Silo(ConnectionString, Merge(_siloSettings, extra));
        lock (_processes)
        {
            _processes.Add(silo);
            Silos.Add(silo);
        }
        await silo.WaitReady(Startup);
        return silo;
    }

    /// <summary>One more API node with the hosts' API settings (and <paramref name="extra"/>), once it is ready.</summary>
    public async Task<HostProcess> AddApi(IDictionary<string, string>? extra = null)
    {
        var api = HostProcess.Api(ConnectionString, Merge(_apiSettings, extra));
        lock (_processes)
        {
            _processes.Add(api);
            Apis.Add(api);
        }
        await api.WaitReady(Startup);
        return api;
    }

    private static Dictionary<string, string> Merge(IDictionary<string, string> settings, IDictionary<string, string>? extra)
    {
        var merged = new Dictionary<string, string>(settings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }
        return merged;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        await Database.DisposeAsync();
    }
}
