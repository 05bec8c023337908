using GraphQL;

namespace Omni.Api.Transport;

/// <summary>
/// What a client learns of a failure nobody handled: a stable code and a generic message, never
/// the exception's type or text (those name internals and may quote data; they go to the log).
/// </summary>
public sealed class ClientFailures(IEnumerable<IRetryableFailures> retryable)
{
    /// <summary>The same call, with the same ids, may succeed if retried.</summary>
    public const string Unavailable = "UNAVAILABLE";

    /// <summary>Retrying the same call is not expected to help.</summary>
    public const string Internal = "INTERNAL";

    private readonly IRetryableFailures[] _retryable = [.. retryable];

    public ExecutionError ErrorFor(Exception exception) =>
        _retryable.Any(r => r.IsRetryable(exception))
            ? new ExecutionError("The service is briefly unavailable: retry the same call (with the same ids).") { Code = Unavailable }
            : new ExecutionError("The server could not complete this operation.") { Code = Internal };
}
