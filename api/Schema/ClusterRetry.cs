using System.Diagnostics;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Omni.Api.Transport;
using Omni.ServiceDefaults;

namespace Omni.Api.Schema;

/// <summary>
/// Retries, inside the API, a root field whose repetition changes nothing twice: every query, and
/// the mutations that carry the client's own id (a reservation, sale, return or movement id, a
/// checkout's idempotency key: the grain answers a repeat of the same id as it answered the
/// first). When a silo dies, the calls to its grains fail until the survivors have taken them
/// over (seconds); the caller then gets the answer instead of <c>UNAVAILABLE</c>, as long as
/// a retry still fits in <see cref="ClusterSettings.CallDeadline"/>.
/// </summary>
public sealed partial class ClusterRetry(ClusterSettings cluster, IRetryableFailures failures, ILogger<ClusterRetry> logger)
{
    /// <summary>The arguments that make a mutation safe to repeat.</summary>
    public static readonly IReadOnlySet<string> ClientIdArguments =
        new HashSet<string>(StringComparer.Ordinal) { "reservationId", "saleId", "returnId", "movementId", "idempotencyKey" };

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    /// <summary>Wraps the root fields of <paramref name="root"/> that may be repeated.</summary>
    public static void Apply(IComplexGraphType root, bool onlyWithClientId)
    {
        foreach (var field in root.Fields)
        {
            if (field.Resolver is { } inner && (!onlyWithClientId || field.Arguments?.Any(a => ClientIdArguments.Contains(a.Name)) == true))
            {
                field.Resolver = new RetryingResolver(inner);
            }
        }
    }

    internal async ValueTask<object?> Resolve(IResolveFieldContext context, IFieldResolver inner)
    {
        var started = Stopwatch.StartNew();
        var pause = FirstPause;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await inner.ResolveAsync(context);
            }
            catch (Exception e) when (!context.CancellationToken.IsCancellationRequested && failures.IsRetryable(e)
                && started.Elapsed + pause + cluster.ResponseTimeout <= cluster.CallDeadline)
            {
                // Another attempt, waited for as long as one grain call may take, still ends
                // before the deadline: the caller is answered in time either way.
                LogRetrying(logger, context.FieldDefinition.Name, attempt, started.ElapsedMilliseconds, e.GetType().Name);
            }
            await Task.Delay(pause, context.CancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Field} failed on attempt {Attempt} after {ElapsedMs} ms ({Failure}); retrying with the same ids")]
    private static partial void LogRetrying(ILogger logger, string field, int attempt, long elapsedMs, string failure);

    private sealed class RetryingResolver(IFieldResolver inner) : IFieldResolver
    {
        public ValueTask<object?> ResolveAsync(IResolveFieldContext context) =>
            context.RequestServices?.GetService<ClusterRetry>() is { } retry
                ? retry.Resolve(context, inner)
                : inner.ResolveAsync(context);
    }
}
