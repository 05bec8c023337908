using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Omni.Api.Hosting;

/// <summary>How many requests one client may make (section <c>Omni:RateLimit</c>).</summary>
public sealed class RateLimitSettings
{
    /// <summary>Steady requests a second per client; 0 switches the limit off.</summary>
    public int PermitsPerSecond { get; set; } = 500;
    /// <summary>The most requests a client may make at once after a quiet spell: the token bucket's size (at least <see cref="PermitsPerSecond"/>).</summary>
    public int Burst { get; set; } = 1000;
    /// <summary>
    /// How often the bucket is topped up, each time with the permits of that many seconds (at
    /// least one). One second in production; a test sets hours, so that exactly
    /// <see cref="Burst"/> requests are served whatever the speed of the machine.
    /// </summary>
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}

public static class RateLimitingExtensions
{
    /// <summary>
    /// A token bucket per client on /graphql, with ASP.NET Core's rate limiter: a signed-in
    /// caller is one client (by subject), anyone else is one client per remote address. Over the
    /// limit: 429 with Retry-After and a GraphQL error (code RATE_LIMITED); nothing is executed.
    /// A WebSocket is one request; its operations are bounded by the transport's per-socket limits.
    /// </summary>
    public static WebApplicationBuilder AddOmniRateLimiting(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Omni:RateLimit").Get<RateLimitSettings>() ?? new RateLimitSettings();
        var period = settings.ReplenishmentPeriod > TimeSpan.Zero ? settings.ReplenishmentPeriod : TimeSpan.FromSeconds(1);
        var tokensPerPeriod = (int)Math.Clamp(Math.Round(settings.PermitsPerSecond * period.TotalSeconds), 1, int.MaxValue);
        var retryAfter = ((long)Math.Ceiling(period.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = retryAfter;
                context.HttpContext.Response.ContentType = "application/json";
                await context.HttpContext.Response.WriteAsync(
                    """{"errors":[{"message":"too many requests from this client: slow down and retry","extensions":{"code":"RATE_LIMITED"}}]}""",
                    cancellationToken);
            };
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                settings.PermitsPerSecond <= 0 || !context.Request.Path.StartsWithSegments("/graphql")
                    ? RateLimitPartition.GetNoLimiter("unlimited")
                    : RateLimitPartition.GetTokenBucketLimiter(ClientOf(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = Math.Max(settings.Burst, settings.PermitsPerSecond),
                        TokensPerPeriod = tokensPerPeriod,
                        ReplenishmentPeriod = period,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
        });
        return builder;
    }

    private static string ClientOf(HttpContext context) =>
        context.User.FindFirstValue("sub") is { Length: > 0 } subject
            ? $"sub:{subject}"
            : $"ip:{context.Connection.RemoteIpAddress}";
}
