namespace Omni.Api.Transport;

/// <summary>
/// Tells the transports which unexpected failures a client may retry unchanged (same ids), so they
/// answer <c>UNAVAILABLE</c> rather than <c>INTERNAL</c>. Optional: without one, every unexpected
/// failure is <c>INTERNAL</c>. Either way the client sees only the code and a generic message.
/// </summary>
public interface IRetryableFailures
{
    bool IsRetryable(Exception exception);
}
