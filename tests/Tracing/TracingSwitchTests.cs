using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Omni.ServiceDefaults;
using OpenTelemetry.Trace;

namespace Omni.Tests.Tracing;

/// <summary>Traces cost nothing unless asked for: no endpoint, no tracer provider, no listener.</summary>
[Trait("Tier", "Unit")]
public sealed class TracingSwitchTests
{
    [Fact]
    public async Task Without_an_otlp_endpoint_no_tracer_provider_is_registered()
    {
        await using var app = Host(endpoint: null);

        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task With_an_otlp_endpoint_a_tracer_provider_is_registered()
    {
        await using var app = Host(endpoint: "http://127.0.0.1:4317");

        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }

    private static WebApplication Host(string? endpoint)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [TracingExtensions.EndpointKey] = endpoint });
        builder.AddServiceDefaults();
        return builder.Build();
    }
}
