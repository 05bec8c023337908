using System.Security.Cryptography;
using System.Text;
using Orleans.Dashboard;

namespace Omni.Silo.Hosting;

public static class DashboardExtensions
{
    public const string Path = "/dashboard";

    /// <summary>
    /// Serves the Orleans dashboard at <c>/dashboard</c>. It shows grain state and call traces,
    /// so the silo's HTTP port binds to loopback by default; set Omni:Dashboard:Username and
    /// Password to require HTTP Basic credentials before exposing it further (behind TLS).
    /// </summary>
    public static WebApplication MapOmniDashboard(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<SiloSettings>().Dashboard;
        if (!settings.Enabled)
        {
            return app;
        }

        if (settings.Username.Length > 0 && settings.Password.Length > 0)
        {
            var expected = Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}");
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments(Path),
                branch => branch.Use(async (context, next) =>
                {
                    if (HasCredentials(context.Request, expected))
                    {
                        await next(context);
                        return;
                    }
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"Omni dashboard\", charset=\"UTF-8\"";
                }));
        }

        app.MapOrleansDashboard(routePrefix: Path);
        return app;
    }

    private static bool HasCredentials(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            var given = Convert.FromBase64String(header["Basic ".Length..].Trim());
            return CryptographicOperations.FixedTimeEquals(given, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
