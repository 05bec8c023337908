using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Omni.ServiceDefaults;

/// <summary>
/// What every Omni host (silo and API) has in common: metrics in Prometheus format, traces over OTLP
/// when an endpoint is set (<see cref="TracingExtensions"/>),
/// liveness and readiness endpoints, and sane shutdown timing.
/// </summary>
public static class Extensions
{
    /// <summary>Health checks tagged with this take part in <c>/health/ready</c> only.</summary>
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter("Microsoft.Orleans")
                .AddMeter("Omni")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        builder.AddOmniTracing(telemetry);

        // "live" answers as soon as the process serves HTTP; readiness checks are added by each host.
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) });
        // Metrics name every grain type, endpoint and call rate: for the scraper on this machine, not
        // for whoever reaches the public port. Anyone else gets 404, as if there were none.
        if (!app.Configuration.GetValue<bool>(MetricsAllowRemoteKey))
        {
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments(MetricsPath) && !IsLoopback(context.Connection.RemoteIpAddress),
                refused => refused.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }));
        }
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    public const string MetricsPath = "/metrics";

    /// <summary>True: serve /metrics to any address; false (the default): to loopback callers only.</summary>
    public const string MetricsAllowRemoteKey = "Omni:Metrics:AllowRemote";

    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
