using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Omni.Api.Hosting;

/// <summary>How many requests one client may make (section <c>Omni:RateLimit</c>).</summary>
public sealed class RateLimitSettings
{
    /// <summary>
    /// Steady requests a second per client; 0 switches the limit off. A fraction is a request every
    /// so many seconds (0.001: one every 1,000 s), which tests use to count a burst exactly.
    /// </summary>
    public double PermitsPerSecond { get; set; } = 500;
    /// <summary>The most requests a client may make at once after a quiet spell: the token bucket's size (at least <see cref="PermitsPerSecond"/>).</summary>
    public int Burst { get; set; } = 1000;
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
        // The bucket refills continuously at TokensPerPeriod / ReplenishmentPeriod. At a rate of one
        // or more a second that is the rate's permits every second; below one, one permit every 1/rate seconds.
        var (tokensPerPeriod, period) = settings.PermitsPerSecond >= 1
            ? ((int)Math.Min(Math.Round(settings.PermitsPerSecond), int.MaxValue), TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(1 / Math.Max(settings.PermitsPerSecond, 1e-6)));
        var bucket = Math.Max(settings.Burst, tokensPerPeriod);
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
                        TokenLimit = bucket,
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
