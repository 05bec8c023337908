using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Omni.Api.Schema;
using Omni.Api.Transport;
using Omni.Common;
using Omni.ServiceDefaults;
using Orleans.Configuration;

namespace Omni.Api.Hosting;

public static class OrleansClientExtensions
{
    /// <summary>
    /// The API node is a stateless Orleans client. It finds the silos' gateways through the
    /// same membership table the silos write (Omni:Postgres), and keeps retrying while none is up.
    /// </summary>
    public static WebApplicationBuilder AddOmniOrleansClient(this WebApplicationBuilder builder)
    {
        var omni = builder.Configuration.GetSection("Omni");
        var connectionString = omni["Postgres"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "No database configured: set Omni:Postgres (environment variable Omni__Postgres) to the connection string the silos use.");
        }
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).TraceOnlyWithinOperations().Build();
        var cluster = ClusterSettings.From(builder.Configuration);

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = omni["ClusterId"] ?? "omni";
                o.ServiceId = omni["ServiceId"] ?? "omni";
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.DataSource = dataSource;
            });
            client.UseConnectionRetryFilter<RetryUntilStopped>();
            if (TracingExtensions.IsTracingOn(builder.Configuration))
            {
                client.AddActivityPropagation();
            }
            client.AddOmniFailover(cluster);
            if (cluster.Tls.Enabled)
            {
                client.UseTls(cluster.Tls.Configure);
            }
        });

        // Serve /health/live (and say "not ready") while the client still looks for a gateway,
        // instead of keeping the HTTP port closed until a silo is up.
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.Services.AddSingleton<IRetryableFailures, ClusterFailures>();
        builder.Services.AddSingleton(cluster);
        builder.Services.AddSingleton<ClusterRetry>();
        builder.Services.AddHealthChecks().AddCheck<ClusterReachableHealthCheck>("cluster", tags: [Extensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// The client's side of failover (see the silo's <c>FailoverExtensions</c>): a grain call waits
    /// at most <see cref="ClusterSettings.ResponseTimeout"/>, and the list of live gateways is read
    /// again every 5 s instead of every minute, so a dead or cut-off gateway is left soon.
    /// </summary>
    public static IClientBuilder AddOmniFailover(this IClientBuilder client, ClusterSettings cluster)
    {
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = cluster.OpenConnectionTimeout);
        return client;
    }

    private sealed class RetryUntilStopped(ILogger<RetryUntilStopped> logger) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            logger.LogWarning("No silo gateway reachable yet ({Reason}); retrying", exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        }
    }
}

/// <summary>Ready when a silo answers through the gateway.</summary>
internal sealed class ClusterReachableHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable", e);
        }
    }
}
