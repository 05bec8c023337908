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
/// domain clock so tests move time instead of sleeping. Failure detection is patient by default
/// (see <see cref="FailureDetection"/>); only the crash tests ask for fast detection.
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
        TestDatabase database, int silos = 1, FakeTimeProvider? clock = null, Dictionary<string, string?>? settings = null,
        FailureDetection failureDetection = FailureDetection.Patient)
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
            silo.Configure<ClusterMembershipOptions>(o => Configure(o, failureDetection));
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

    /// <summary>
    /// Tests run two at a time on two cores beside real silo, API and load processes, so a silo
    /// can miss a probe for seconds without being dead. Patient detection (Orleans' production
    /// timing: a 5 s probe, 5 missed probes and 2 votes, about 25 s of silence) makes a false
    /// death declaration, which would break a shared fixture, impossible in practice. Fast
    /// detection (about 3 s) is for the tests that kill a silo and wait for the survivor to take
    /// over; they run in <see cref="SiloCrashCollection"/>, alone, after everything else.
    /// </summary>
    private static void Configure(ClusterMembershipOptions options, FailureDetection detection)
    {
        options.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
        if (detection == FailureDetection.Fast)
        {
            options.ProbeTimeout = TimeSpan.FromSeconds(1);
            options.NumMissedProbesLimit = 3;
            options.NumVotesForDeathDeclaration = 1;
        }
        else
        {
            options.ProbeTimeout = TimeSpan.FromSeconds(5);
            options.NumMissedProbesLimit = 5;
            options.NumVotesForDeathDeclaration = 2;
        }
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

/// <summary>How soon the test cluster declares a silent silo dead.</summary>
public enum FailureDetection
{
    /// <summary>About 25 s of silence: for every fixture that does not kill silos.</summary>
    Patient,

    /// <summary>About 3 s: only for tests that kill a silo, run alone in <see cref="SiloCrashCollection"/>.</summary>
    Fast,
}

/// <summary>
/// Tests that kill a silo and need fast failure detection. xunit runs a collection that disables
/// parallelization after all the parallel ones, one test at a time, so nothing else competes
/// for the two cores while their probes are short.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SiloCrashCollection
{
    public const string Name = "silo crashes (alone, fast failure detection)";
}
