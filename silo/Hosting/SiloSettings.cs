using System.Net;
using Omni.ServiceDefaults;

namespace Omni.Silo.Hosting;

/// <summary>Everything a silo is configured with (section <c>Omni</c>; env <c>Omni__...</c>).</summary>
public sealed class SiloSettings
{
    /// <summary>Npgsql connection string of the database holding membership, state and reminders.</summary>
    public string Postgres { get; set; } = "";
    public string ClusterId { get; set; } = "omni";
    public string ServiceId { get; set; } = "omni";
    public SiloEndpointSettings Silo { get; set; } = new();
    public DashboardSettings Dashboard { get; set; } = new();
    public SeedSettings Seed { get; set; } = new();
    /// <summary>Timeouts and TLS of the cluster's own connections (<c>Omni:Cluster</c>), shared with the API nodes.</summary>
    public ClusterSettings Cluster { get; set; } = new();

    public static SiloSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection("Omni").Get<SiloSettings>() ?? new SiloSettings();
        if (string.IsNullOrWhiteSpace(settings.Postgres))
        {
            throw new InvalidOperationException(
                "No database configured: set Omni:Postgres (environment variable Omni__Postgres) to an Npgsql connection string.");
        }
        settings.Cluster.Validate();
        // With only one of the two the dashboard used to start without any login: refuse instead.
        if (settings.Dashboard.Enabled && (settings.Dashboard.Username.Length > 0) != (settings.Dashboard.Password.Length > 0))
        {
            var missing = settings.Dashboard.Username.Length > 0 ? "Password" : "Username";
            throw new InvalidOperationException(
                $"Omni:Dashboard:{missing} is not set but its partner is: set both Omni:Dashboard:Username and Omni:Dashboard:Password " +
                "(environment variables Omni__Dashboard__Username, Omni__Dashboard__Password) to protect the dashboard with a login, " +
                "or neither to serve it without one on loopback.");
        }
        return settings;
    }
}

public sealed class SiloEndpointSettings
{
    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;
    /// <summary>Port API nodes (Orleans clients) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;
    /// <summary>The address other silos and clients reach this one at; loopback unless the cluster spans machines.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    /// <summary>Listen on every interface instead of only the advertised address.</summary>
    public bool ListenOnAnyAddress { get; set; }

    public IPAddress AdvertisedIPAddress => IPAddress.Parse(AdvertisedAddress);
}

public sealed class DashboardSettings
{
    public bool Enabled { get; set; } = true;
    /// <summary>When both are set, the dashboard asks for HTTP Basic credentials.</summary>
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
}

public sealed class SeedSettings
{
    /// <summary>Seed the demo stores, catalog and stock once, on the first start against an empty database.</summary>
    public bool Demo { get; set; }
    /// <summary>How many demo products.</summary>
    public int Products { get; set; } = 3000;
}
