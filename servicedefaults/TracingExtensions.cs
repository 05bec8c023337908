using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Omni.ServiceDefaults;

/// <summary>
/// Traces from the socket to the SQL: ASP.NET Core on the API, Orleans grain calls (client, silo and
/// grain to grain, through Orleans' activity propagation), the journal's batched commits and Npgsql's
/// statements. On only when <c>Omni:Otlp:Endpoint</c> is set (env <c>Omni__Otlp__Endpoint</c>); otherwise
/// nothing is registered, no listener exists, and every instrumented call site costs one null check.
/// </summary>
public static class TracingExtensions
{
    public const string EndpointKey = "Omni:Otlp:Endpoint";

    /// <summary><c>grpc</c> (the default, usually port 4317) or <c>http/protobuf</c> (usually port 4318).</summary>
    public const string ProtocolKey = "Omni:Otlp:Protocol";

    /// <summary>Orleans' spans of grain calls (client and server side), of activations and of grain storage.</summary>
    public static readonly string[] OrleansSources =
        ["Microsoft.Orleans.Application", "Microsoft.Orleans.Lifecycle", "Microsoft.Orleans.Storage"];

    /// <summary>The journal's spans: one per batched PostgreSQL commit (grains/Journal/JournalCommitter).</summary>
    public const string JournalSource = "Omni.Journal";

    /// <summary>Whether this host traces; silo and API also add Orleans' activity propagation only then.</summary>
    public static bool IsTracingOn(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[EndpointKey]);

    internal static void AddOmniTracing(this IHostApplicationBuilder builder, OpenTelemetry.OpenTelemetryBuilder telemetry)
    {
        if (!IsTracingOn(builder.Configuration))
        {
            return;
        }
        var endpoint = new Uri(builder.Configuration[EndpointKey]!, UriKind.Absolute);
        var http = string.Equals(builder.Configuration[ProtocolKey], "http/protobuf", StringComparison.OrdinalIgnoreCase);
        telemetry.WithTracing(tracing => tracing
            .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHousekeeping(context.Request.Path))
            .AddSource(OrleansSources)
            .AddSource(JournalSource)
            .AddNpgsql()
            .AddOtlpExporter(o =>
            {
                o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                // Set in code, the HTTP endpoint is taken as the full URL of the traces resource.
                o.Endpoint = http && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "v1/traces") : endpoint;
            }));
    }

    /// <summary>
    /// Only statements that run inside a traced operation get a span: the membership table's and the
    /// reminders' polling would otherwise start a trace of their own every few seconds on every host.
    /// </summary>
    public static NpgsqlDataSourceBuilder TraceOnlyWithinOperations(this NpgsqlDataSourceBuilder builder) =>
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
            .ConfigureBatchFilter(_ => System.Diagnostics.Activity.Current is not null)
            .EnableFirstResponseEvent(false));

    private static bool IsHousekeeping(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments(Extensions.MetricsPath);
}
