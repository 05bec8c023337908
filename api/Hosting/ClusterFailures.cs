using Omni.Api.Transport;
using Orleans.Serialization;

namespace Omni.Api.Hosting;

/// <summary>
/// The cluster's failures after which the same call with the same id may succeed: a silo died or
/// was unreachable, a message was refused or timed out, a grain's journal write failed and it is
/// reloading. Every stock- and money-changing call carries a client id (DESIGN rule 3), so a
/// retry after any of these changes nothing twice.
/// </summary>
public sealed class ClusterFailures : IRetryableFailures
{
    /// <summary>
    /// Matched by name: some are thrown inside the silo by types the API does not reference
    /// (<c>InventoryUnavailableException</c> lives in the grains), and reach the API as
    /// <see cref="UnavailableExceptionFallbackException"/> carrying only the type's name.
    /// </summary>
    private static readonly HashSet<string> RetryableTypeNames =
    [
        "SiloUnavailableException",
        "OrleansMessageRejectionException",
        "GatewayTooBusyException",
        "ConnectionFailedException",
        "ClientNotAvailableException",
        "InconsistentStateException",
        "InventoryUnavailableException",
    ];

    public bool IsRetryable(Exception exception) => Causes(exception).Any(IsRetryableItself);

    private static bool IsRetryableItself(Exception exception) => exception switch
    {
        TimeoutException => true,
        // A call cut short inside the cluster, not by the client (its cancellations never get here).
        OperationCanceledException => true,
        UnavailableExceptionFallbackException fallback => RetryableTypeNames.Contains(ShortName(fallback.ExceptionType)),
        _ => RetryableTypeNames.Contains(exception.GetType().Name),
    };

    /// <summary>The exception and what it wraps, aggregates included.</summary>
    private static IEnumerable<Exception> Causes(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        var seen = 0;
        while (pending.TryPop(out var next) && seen++ < 32)
        {
            yield return next;
            if (next is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (next.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    private static string ShortName(string? typeName)
    {
        var name = typeName ?? "";
        var comma = name.IndexOf(',', StringComparison.Ordinal);
        name = comma >= 0 ? name[..comma] : name;
        return name[(name.LastIndexOfAny(['.', '+']) + 1)..];
    }
}
