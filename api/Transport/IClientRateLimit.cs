using System.Net;
using System.Security.Claims;

namespace Omni.Api.Transport;

/// <summary>
/// Who a request counts against, and whether that client may run one more operation now. The HTTP
/// rate limiter and the WebSocket transport share one, so a client's budget is the same whether it
/// sends its operations as POSTs or as <c>subscribe</c> messages on a socket. Optional: without one,
/// a client is its address and sockets are not rate limited (only capped).
/// </summary>
public interface IClientRateLimit
{
    /// <summary>The client a caller counts as: e.g. its token's subject, else its address.</summary>
    string ClientOf(ClaimsPrincipal user, IPAddress? address);

    /// <summary>Takes one permit from <paramref name="client"/>'s budget; false when it has none left.</summary>
    bool TryAcquire(string client);
}

/// <summary>Used when the host registers no <see cref="IClientRateLimit"/>: one client per address, no limit.</summary>
internal sealed class ByAddressWithoutLimit : IClientRateLimit
{
    public string ClientOf(ClaimsPrincipal user, IPAddress? address) => $"ip:{address}";

    public bool TryAcquire(string client) => true;
}
