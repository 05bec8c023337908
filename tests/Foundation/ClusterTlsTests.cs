using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omni.ServiceDefaults;
using Omni.Tests.Api;
using Orleans.Configuration;

namespace Omni.Tests.Foundation;

/// <summary>
/// Issue 12 item 11: with <c>Omni:Cluster:Tls</c> on, silos and API nodes talk mutual TLS, and a
/// process without a certificate from the cluster's CA cannot call a grain through a gateway.
/// </summary>
[Trait("Tier", "Host")]
public sealed class ClusterTlsTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_tls_cluster_serves_queries_and_refuses_clients_without_a_certificate_from_its_ca()
    {
        using var certificates = new TestCertificates();
        using var stranger = new TestCertificates("Somebody else's CA");
        await using var db = await TestDatabase.Create();
        await using var silo = HostProcess.Silo(db.ConnectionString, certificates.Settings("silo0"));
        await silo.WaitReady(Startup);
        var apiSettings = certificates.Settings("api0");
        apiSettings["Omni__Auth__DevTokens"] = "true";
        await using var api = HostProcess.Api(db.ConnectionString, apiSettings);
        await api.WaitReady(Startup);

        // Through the API (its readiness already made a grain call over TLS): a mutation and a query.
        using var client = new ApiClient(api.BaseAddress);
        var ops = await client.Token(new { role = "OPS" });
        var defined = await client.Send("""
            mutation { defineStore(input: { id: "s1", name: "Store Hamburg", kind: STORE, latitude: 53.55, longitude: 9.99, shipsOnline: false, pickupEnabled: true, priority: 100 }) { errors { code } } }
            """, token: ops);
        Assert.Empty(defined.Ok().UserErrors("defineStore"));
        var stores = await client.Send("{ stores { id } }");
        Assert.Contains("s1", stores.Ok()["stores"].EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        // A client with a certificate from the same CA gets in: the refusals below are about the certificate.
        Assert.True(await CanCallAGrain(db.ConnectionString, certificates.Settings("ops-tool")));
        Assert.False(await CanCallAGrain(db.ConnectionString, tls: null), "a plain TCP client called a grain");
        var foreign = stranger.Settings("intruder");
        foreign["Omni__Cluster__Tls__CertificateAuthority"] = certificates.AuthorityPath;
        Assert.False(await CanCallAGrain(db.ConnectionString, foreign), "a client with a certificate from another CA called a grain");
        Assert.False(silo.HasExited);
    }

    /// <summary>An Orleans client of our own, connecting through the membership table as an API node does.</summary>
    private static async Task<bool> CanCallAGrain(string postgres, Dictionary<string, string>? tls)
    {
        var builder = Host.CreateApplicationBuilder();
        // The refused handshakes are expected here: their stack traces would only bury the test log.
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection((tls ?? []).Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)));
        var cluster = ClusterSettings.From(builder.Configuration);
        var dataSource = Npgsql.NpgsqlDataSource.Create(postgres);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("omni", "omni"));
            client.UseAdoNetClustering(o => (o.Invariant, o.DataSource) = ("Npgsql", dataSource));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            if (cluster.Tls.Enabled)
            {
                client.UseTls(cluster.Tls.Configure);
            }
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var hosts = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            return hosts.Count > 0;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            await dataSource.DisposeAsync();
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is OrleansException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
