using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace Omni.LoadTests;

/// <summary>
/// The system under load: read from .omni/endpoints.json (written by ./omni up) unless given with
/// <c>--url</c> (GraphQL endpoints, comma-separated), <c>--postgres</c>, <c>--silo-metrics</c> and
/// <c>--api-metrics</c>. Without PostgreSQL only the GraphQL paths run (no Orleans client, no pgbench).
/// </summary>
public sealed record Target(string? Postgres, IReadOnlyList<Uri> GraphQL, Uri? SiloMetrics, Uri? ApiMetrics, string? StateDirectory)
{
    public static Target Resolve(Options options)
    {
        var postgres = options.Get("postgres");
        var graphql = options.Get("url");
        var siloMetrics = options.Get("silo-metrics");
        var apiMetrics = options.Get("api-metrics");
        // A --url names another system: the local .omni/endpoints.json is then read only when asked for.
        var file = options.Get("endpoints") ?? (graphql is null ? FindEndpointsFile() : null);
        string? state = null;
        if (file is not null && File.Exists(file))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            postgres ??= root.TryGetProperty("postgres", out var pg) ? pg.GetString() : null;
            graphql ??= root.TryGetProperty("graphql", out var urls) ? string.Join(',', urls.EnumerateArray().Select(e => e.GetString())) : null;
            // ./omni up lists the first silo's /metrics, then the first API node's.
            var metrics = root.TryGetProperty("metrics", out var m) ? m.EnumerateArray().Select(e => e.GetString()).ToArray() : [];
            siloMetrics ??= metrics.ElementAtOrDefault(0);
            apiMetrics ??= metrics.ElementAtOrDefault(1);
            state = Path.GetDirectoryName(Path.GetFullPath(file));
        }
        if (postgres is null && graphql is null)
        {
            throw new ArgumentException("no target: run ./omni up first (it writes .omni/endpoints.json), or pass --url (and --postgres)");
        }
        var endpoints = Uris(graphql);
        return new Target(postgres, endpoints, siloMetrics is null ? null : new Uri(siloMetrics),
            apiMetrics is null ? endpoints.Select(e => new Uri(e, "/metrics")).FirstOrDefault() : new Uri(apiMetrics), state);
    }

    public bool HasPostgres => !string.IsNullOrEmpty(Postgres);

    public string RequirePostgres(string why) =>
        HasPostgres ? Postgres! : throw new ArgumentException($"{why} needs the cluster's PostgreSQL: run against ./omni up or pass --postgres");

    /// <summary>The pid ./omni up recorded for a process (silo0, api0...), if this machine runs it.</summary>
    public int? PidOf(string process)
    {
        var file = StateDirectory is null ? null : Path.Combine(StateDirectory, "pids", $"{process}.pid");
        return file is not null && File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
    }

    /// <summary>An Orleans client of the cluster, finding gateways through the membership table like the API does.</summary>
    public async Task<IHost> ConnectOrleans(CancellationToken cancellationToken, string clusterId = "omni", string serviceId = "omni")
    {
        var dataSource = NpgsqlDataSource.Create(RequirePostgres("an Orleans client"));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(dataSource);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.DataSource = dataSource;
            });
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    public string Describe() =>
        $"GraphQL {string.Join(", ", GraphQL)}" + (HasPostgres ? $"; PostgreSQL {new NpgsqlConnectionStringBuilder(Postgres).Host}:{new NpgsqlConnectionStringBuilder(Postgres).Port}" : "");

    private static Uri[] Uris(string? list) =>
        [.. (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u))];

    private static string? FindEndpointsFile()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".omni", "endpoints.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
