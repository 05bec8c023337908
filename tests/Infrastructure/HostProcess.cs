using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Omni.Tests.Infrastructure;

/// <summary>One of Omni's real executables (silo or API) started as its own process, as ./omni up does.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process, string httpHost, int httpPort)
    {
        _process = process;
        HttpPort = httpPort;
        BaseAddress = new Uri($"http://{httpHost}:{httpPort}");
    }

    public int HttpPort { get; }
    public Uri BaseAddress { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string RepositoryRoot { get; } = FindRoot();

    private static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>
    /// A silo process. Given a <paramref name="place"/>, it runs inside that network namespace and
    /// advertises (and serves HTTP on) the namespace's address instead of loopback.
    /// </summary>
    public static HostProcess Silo(string postgres, IDictionary<string, string>? settings = null, NetworkNamespace? place = null)
    {
        var env = new Dictionary<string, string>
        {
            ["Omni__Postgres"] = postgres,
            ["Omni__Silo__SiloPort"] = FreePort().ToString(),
            ["Omni__Silo__GatewayPort"] = FreePort().ToString(),
        };
        if (place is not null)
        {
            env["Omni__Silo__AdvertisedAddress"] = place.Inside;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        return Start("silo", "Omni.Silo.dll", env, place);
    }

    /// <summary>The token signing key API nodes started by tests share (an API node refuses to start without one).</summary>
    public const string TestSigningKey = "omni-tests-signing-key-not-a-secret-0123456789";

    public static HostProcess Api(string postgres, IDictionary<string, string>? settings = null)
    {
        var env = new Dictionary<string, string> { ["Omni__Postgres"] = postgres, ["Omni__Auth__SigningKey"] = TestSigningKey };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        return Start("api", "Omni.Api.dll", env);
    }

    private static HostProcess Start(string project, string dll, Dictionary<string, string> env, NetworkNamespace? place = null)
    {
        var directory = Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0");
        var path = Path.Combine(directory, dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: build the solution first (./omni test does)");
        }
        var port = FreePort();
        // `ip netns exec` execs the command in place, so the process id stays the host's own.
        var info = new ProcessStartInfo(place is null ? "dotnet" : "ip") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in place is null ? [path] : (string[])["netns", "exec", place.Name, "dotnet", path])
        {
            info.ArgumentList.Add(arg);
        }
        var httpHost = place?.Inside ?? "127.0.0.1";
        info.Environment["Urls"] = $"http://{httpHost}:{port}";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process, httpHost, port);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits until /health/ready answers 200, failing early if the process exits.</summary>
    public async Task WaitReady(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Without a timeout, WaitForExit also waits for the redirected output to be read to its end.
                _process.WaitForExit();
                throw new InvalidOperationException($"process exited with {_process.ExitCode} before it was ready:\n{Output}");
            }
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"not ready within {timeout.TotalSeconds:0}s:\n{Output}");
    }

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as `./omni down` sends: the host shuts down gracefully.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            kill.WaitForExit();
        }
    }

    /// <summary>SIGKILL: a crash, with no chance to hand anything over.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// A port nothing listens on now and that this test run has not handed out before. The
    /// kernel may give the same free port to two binds in a row (a clean-clone run once gave a
    /// silo's Orleans port and its HTTP port the same number, and the silo could not start).
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> HandedOut = new();

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Orleans.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (Omni.Orleans.slnx) above " + AppContext.BaseDirectory);
    }
}
