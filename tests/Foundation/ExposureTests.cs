using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Omni.ServiceDefaults;

namespace Omni.Tests.Foundation;

/// <summary>Small exposures closed: a half-configured dashboard login, /metrics for anyone.</summary>
[Trait("Tier", "Host")]
public sealed class ExposureTests
{
    [Theory]
    [InlineData("Omni__Dashboard__Username", "Password")]
    [InlineData("Omni__Dashboard__Password", "Username")]
    public async Task A_silo_with_only_one_of_the_dashboard_credentials_refuses_to_start_and_says_which_is_missing(string given, string missing)
    {
        // The check comes before the database is touched, so none is needed.
        await using var silo = HostProcess.Silo("Host=127.0.0.1;Port=1;Database=omni;Username=omni;Password=x;Timeout=3",
            new Dictionary<string, string> { [given] = "ops" });

        var exit = await silo.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains($"Omni:Dashboard:{missing} is not set", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot prepare the database", silo.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", null, HttpStatusCode.OK)]
    [InlineData("::1", null, HttpStatusCode.OK)]
    [InlineData("192.0.2.10", null, HttpStatusCode.NotFound)]
    [InlineData("192.0.2.10", "true", HttpStatusCode.OK)]
    public async Task Metrics_answer_loopback_callers_only_unless_switched_to_remote(string caller, string? allowRemote, HttpStatusCode expected)
    {
        await using var host = await MetricsHost.Start(allowRemote);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add(MetricsHost.CallerHeader, caller);
        using var response = await host.Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        using var health = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        health.Headers.Add(MetricsHost.CallerHeader, caller);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.SendAsync(health)).StatusCode);
    }

    /// <summary>
    /// The shared host defaults on a real Kestrel in this process. A header stands in for the
    /// caller's address, which on loopback can be nothing else.
    /// </summary>
    private sealed class MetricsHost : IAsyncDisposable
    {
        public const string CallerHeader = "X-Test-Caller";
        private readonly WebApplication _app;

        private MetricsHost(WebApplication app)
        {
            _app = app;
            Http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        }

        public HttpClient Http { get; }

        public static async Task<MetricsHost> Start(string? allowRemote)
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [Extensions.MetricsAllowRemoteKey] = allowRemote });
            builder.Logging.ClearProviders();
            builder.AddServiceDefaults();
            var app = builder.Build();
            app.Use((context, next) =>
            {
                if (context.Request.Headers.TryGetValue(CallerHeader, out var caller))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(caller.ToString());
                }
                return next(context);
            });
            app.MapDefaultEndpoints();
            app.Urls.Add("http://127.0.0.1:0");
            await app.StartAsync();
            return new MetricsHost(app);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
