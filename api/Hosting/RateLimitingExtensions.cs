using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Omni.Api.Transport;

namespace Omni.Api.Hosting;

/// <summary>How many requests one client may make (section <c>Omni:RateLimit</c>).</summary>
public sealed class RateLimitSettings
{
    /// <summary>Steady requests a second per client; 0 switches the limit off; a fraction is one request every 1/rate seconds.</summary>
    public double PermitsPerSecond { get; set; } = 500;
    /// <summary>The most requests a client may make at once after a quiet spell: the token bucket's size (at least <see cref="PermitsPerSecond"/>).</summary>
    public int Burst { get; set; } = 1000;
}

/// <summary>
/// One token bucket per client, shared by every way in: each HTTP request to /graphql and each
/// <c>subscribe</c> message on a GraphQL socket takes a permit from it. A signed-in caller is one
/// client (by token subject), anyone else one client per remote address.
/// </summary>
public sealed class ClientRateLimit : IClientRateLimit, IDisposable
{
    /// <summary>The partition of requests that are not counted (paths other than /graphql).</summary>
    internal const string Unlimited = "";

    public ClientRateLimit(RateLimitSettings settings)
    {
        // The bucket refills continuously at TokensPerPeriod / ReplenishmentPeriod. At a rate of one
        // or more a second that is the rate's permits every second; below one, one permit every 1/rate seconds.
        var (tokensPerPeriod, period) = settings.PermitsPerSecond >= 1
            ? ((int)Math.Min(Math.Round(settings.PermitsPerSecond), int.MaxValue), TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(1 / Math.Max(settings.PermitsPerSecond, 1e-6)));
        var bucket = Math.Max(settings.Burst, tokensPerPeriod);
        RetryAfter = ((long)Math.Ceiling(period.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Limiter = PartitionedRateLimiter.Create<string, string>(client =>
            settings.PermitsPerSecond <= 0 || client.Length == 0
                ? RateLimitPartition.GetNoLimiter(Unlimited)
                : RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = bucket,
                    TokensPerPeriod = tokensPerPeriod,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
    }

    internal PartitionedRateLimiter<string> Limiter { get; }

    /// <summary>Seconds until the next permit, for a refusal's <c>Retry-After</c>.</summary>
    internal string RetryAfter { get; }

    public string ClientOf(ClaimsPrincipal user, IPAddress? address) =>
        user.FindFirstValue("sub") is { Length: > 0 } subject ? $"sub:{subject}" : $"ip:{address}";

    public bool TryAcquire(string client)
    {
        using var lease = Limiter.AttemptAcquire(client);
        return lease.IsAcquired;
    }

    public void Dispose() => Limiter.Dispose();
}

public static class RateLimitingExtensions
{
    /// <summary>
    /// The per-client budget (<see cref="ClientRateLimit"/>) on /graphql, with ASP.NET Core's rate
    /// limiter for HTTP. Over the limit: 429 with Retry-After and a GraphQL error (code
    /// RATE_LIMITED); nothing is executed. A socket's upgrade takes one permit, and each of its
    /// <c>subscribe</c> messages another (over the limit: an <c>error</c> message, RATE_LIMITED).
    /// </summary>
    public static WebApplicationBuilder AddOmniRateLimiting(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Omni:RateLimit").Get<RateLimitSettings>() ?? new RateLimitSettings();
        var clients = new ClientRateLimit(settings);
        builder.Services.AddSingleton(clients);
        builder.Services.AddSingleton<IClientRateLimit>(clients);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = clients.RetryAfter;
                context.HttpContext.Response.ContentType = "application/json";
                await context.HttpContext.Response.WriteAsync(
                    """{"errors":[{"message":"too many requests from this client: slow down and retry","extensions":{"code":"RATE_LIMITED"}}]}""",
                    cancellationToken);
            };
            options.GlobalLimiter = clients.Limiter.WithTranslatedKey<HttpContext>(
                context => context.Request.Path.StartsWithSegments("/graphql")
                    ? clients.ClientOf(context.User, context.Connection.RemoteIpAddress)
                    : ClientRateLimit.Unlimited,
                leaveOpen: true);
        });
        return builder;
    }
}
