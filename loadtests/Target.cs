using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace Omni.LoadTests;

/// <summary>The system under load: read from .omni/endpoints.json (written by ./omni up) unless given.</summary>
public sealed record Target(string Postgres, IReadOnlyList<Uri> GraphQL)
{
    public static Target Resolve(Options options)
    {
        var postgres = options.Get("postgres");
        var graphql = options.Get("url");
        var file = options.Get("endpoints") ?? FindEndpointsFile();
        if ((postgres is null || graphql is null) && file is not null && File.Exists(file))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            postgres ??= json.RootElement.GetProperty("postgres").GetString();
            graphql ??= string.Join(',', json.RootElement.GetProperty("graphql").EnumerateArray().Select(e => e.GetString()));
        }
        if (postgres is null)
        {
            throw new ArgumentException("no target: run ./omni up first (it writes .omni/endpoints.json), or pass --postgres and --url");
        }
        return new Target(postgres, [.. (graphql ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))]);
    }

    /// <summary>An Orleans client of the cluster, finding gateways through the membership table like the API does.</summary>
    public async Task<IHost> ConnectOrleans(CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(Postgres);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(dataSource);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "omni";
                o.ServiceId = "omni";
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
