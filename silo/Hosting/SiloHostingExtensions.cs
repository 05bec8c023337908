using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Omni.Hosting;
using Omni.ServiceDefaults;
using Omni.Silo.Seeding;
using Omni.Silo.Storage;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Omni.Silo.Hosting;

public static class SiloHostingExtensions
{
    private const string Invariant = "Npgsql";

    /// <summary>
    /// The Orleans silo: ADO.NET clustering, grain storage and reminders in PostgreSQL
    /// through one shared <see cref="NpgsqlDataSource"/>, the Omni grains and the dashboard.
    /// </summary>
    public static WebApplicationBuilder AddOmniSilo(this WebApplicationBuilder builder)
    {
        var settings = SiloSettings.From(builder.Configuration);
        var dataSource = OmniDataSource.Create(settings.Postgres);
        builder.Services.AddSingleton(settings);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.ConfigureEndpoints(
                settings.Silo.AdvertisedIPAddress,
                settings.Silo.SiloPort,
                settings.Silo.GatewayPort,
                listenOnAnyHostAddress: settings.Silo.ListenOnAnyAddress);
            silo.AddOmniFailover(settings.Cluster);
            silo.AddOmniClusterTls(settings.Cluster.Tls);
            silo.UseOmniPostgres(dataSource);
            silo.AddOmniGrains(builder.Configuration.GetSection("Omni"));
            if (TracingExtensions.IsTracingOn(builder.Configuration))
            {
                silo.AddActivityPropagation();
            }
            if (settings.Dashboard.Enabled)
            {
                silo.AddDashboard();
            }
        });

        var health = builder.Services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo", tags: [Extensions.ReadyTag]);
        if (settings.Seed.Demo)
        {
            builder.Services.AddSingleton<DemoSeeder>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DemoSeeder>());
            health.AddCheck<DemoSeeder>("demo-data", tags: [Extensions.ReadyTag]);
        }
        return builder;
    }

    /// <summary>Membership, grain state and reminders in PostgreSQL (the schema of Database/Migrations).</summary>
    public static ISiloBuilder UseOmniPostgres(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        silo.Services.AddSingleton(dataSource);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        });
        silo.AddAdoNetGrainStorageAsDefault(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
            o.GrainStorageSerializer = new JsonGrainStorageSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        });
        return silo;
    }
}

/// <summary>Ready once this silo is an active member of the cluster.</summary>
internal sealed class SiloActiveHealthCheck(ILocalSiloDetails local, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
