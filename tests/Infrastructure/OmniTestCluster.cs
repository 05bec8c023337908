using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Omni.Hosting;
using Omni.Silo.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Omni.Tests.Infrastructure;

/// <summary>
/// Real Orleans silos in this process, wired exactly as the silo host wires them: membership,
/// grain state and reminders in the given PostgreSQL database, the Omni grains, and a fake
/// domain clock so tests move time instead of sleeping. Failure detection is tightened so a
/// killed silo is declared dead in seconds.
/// </summary>
public sealed class OmniTestCluster : IAsyncDisposable
{
    public const string ServiceId = "omni-test";

    private OmniTestCluster(InProcessTestCluster cluster, FakeTimeProvider clock)
    {
        Cluster = cluster;
        Clock = clock;
    }

    public InProcessTestCluster Cluster { get; }
    public IClusterClient Client => Cluster.Client;
    public IGrainFactory Grains => Cluster.Client;
    public FakeTimeProvider Clock { get; }
    public string ClusterId => Cluster.Options.ClusterId;

    public static async Task<OmniTestCluster> Start(
        TestDatabase database, int silos = 1, FakeTimeProvider? clock = null, Dictionary<string, string?>? settings = null)
    {
        clock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var omni = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        var builder = new InProcessTestClusterBuilder((short)silos);
        UseRealMembership(builder.Options);
        builder.Options.ServiceId = ServiceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<TimeProvider>(GrainsHostingExtensions.ClockKey, clock);
            silo.UseOmniPostgres(database.DataSource);
            silo.AddOmniGrains(omni);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
        });
        builder.ConfigureClient(client => client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.DataSource = database.DataSource;
        }));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new OmniTestCluster(cluster, clock);
    }

    /// <summary>The silo an active grain lives on.</summary>
    public InProcessSiloHandle HostOf(IAddressable grain) =>
        Cluster.TryGetGrainContext(grain.GetGrainId(), out var context)
            ? Cluster.Silos.Single(s => s.SiloAddress.Equals(context.Address.SiloAddress))
            : throw new InvalidOperationException($"{grain.GetGrainId()} is not active");

    /// <summary>
    /// The in-process cluster replaces membership with an in-memory table unless told not to,
    /// and 10.4.2 keeps that switch internal. These tests are about the ADO.NET membership
    /// table, so turn it off; if a future version renames it, this fails loudly.
    /// </summary>
    private static void UseRealMembership(InProcessTestClusterOptions options)
    {
        var property = typeof(InProcessTestClusterOptions).GetProperty(
            "UseTestClusterMembership", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("InProcessTestClusterOptions.UseTestClusterMembership is gone: revisit OmniTestCluster");
        property.SetValue(options, false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
        }
    }
}
