using System.Net;

namespace Omni.Tests.Foundation;

/// <summary>The real silo and API executables, as ./omni up runs them.</summary>
[Trait("Tier", "Host")]
public sealed class HostTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    /// <summary>A silo's Orleans, gateway and HTTP ports come from here: no two may ever be the same.</summary>
    [Fact]
    public void Free_ports_handed_out_to_hosts_are_never_handed_out_twice()
    {
        var ports = Enumerable.Range(0, 300).Select(_ => HostProcess.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public async Task Silo_and_api_processes_become_ready_serve_dashboard_and_metrics_and_stop_gracefully()
    {
        await using var db = await TestDatabase.Create(migrate: false);
        await using var silo = HostProcess.Silo(db.ConnectionString);
        await silo.WaitReady(Startup);
        await using var api = HostProcess.Api(db.ConnectionString);
        await api.WaitReady(Startup);
        using var http = new HttpClient();

        var dashboard = await http.GetAsync(new Uri(silo.BaseAddress, "/dashboard/"));
        var siloMetrics = await http.GetStringAsync(new Uri(silo.BaseAddress, "/metrics"));
        var apiMetrics = await http.GetStringAsync(new Uri(api.BaseAddress, "/metrics"));
        var apiLive = await http.GetAsync(new Uri(api.BaseAddress, "/health/live"));

        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("orleans_", siloMetrics);
        Assert.Contains("http_server_request_duration", apiMetrics);
        Assert.Equal(HttpStatusCode.OK, apiLive.StatusCode);

        api.Terminate();
        silo.Terminate();
        Assert.Equal(0, await api.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await silo.WaitForExit(TimeSpan.FromSeconds(45)));
    }

    [Fact]
    public async Task Api_is_live_but_not_ready_while_no_silo_is_up()
    {
        await using var db = await TestDatabase.Create();
        await using var api = HostProcess.Api(db.ConnectionString);
        using var http = new HttpClient();

        await Eventually.True(async () => (await http.GetAsync(new Uri(api.BaseAddress, "/health/live"))).IsSuccessStatusCode, Startup, "api is live");
        var ready = await http.GetAsync(new Uri(api.BaseAddress, "/health/ready"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task Dashboard_asks_for_credentials_when_they_are_configured()
    {
        await using var db = await TestDatabase.Create();
        await using var silo = HostProcess.Silo(db.ConnectionString, new Dictionary<string, string>
        {
            ["Omni__Dashboard__Username"] = "ops",
            ["Omni__Dashboard__Password"] = "s3cret",
        });
        await silo.WaitReady(Startup);
        using var http = new HttpClient();

        var anonymous = await http.GetAsync(new Uri(silo.BaseAddress, "/dashboard/"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(silo.BaseAddress, "/dashboard/"));
        request.Headers.Authorization = new("Basic", Convert.ToBase64String("ops:s3cret"u8.ToArray()));
        var authorized = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }

    [Fact]
    public async Task Silo_explains_an_unreachable_database_instead_of_crashing()
    {
        var nobody = HostProcess.FreePort();
        await using var silo = HostProcess.Silo($"Host=127.0.0.1;Port={nobody};Database=omni;Username=omni;Password=x;Timeout=3");

        var exit = await silo.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Contains("cannot prepare the database", silo.Output);
        Assert.DoesNotContain("   at ", silo.Output);
    }
}
