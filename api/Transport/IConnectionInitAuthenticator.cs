using System.Security.Claims;

namespace Omni.Api.Transport;

/// <summary>
/// Authenticates a GraphQL WebSocket from its <c>connection_init</c> payload, e.g.
/// <c>{"Authorization": "Bearer &lt;jwt&gt;"}</c>: browsers cannot put headers on a WebSocket upgrade.
/// Consulted only when the upgrade request itself is anonymous. Optional: when none is registered,
/// the socket keeps the upgrade request's user.
/// </summary>
public interface IConnectionInitAuthenticator
{
    /// <summary>
    /// Returns the socket's user: an authenticated principal for valid credentials, an anonymous one
    /// (<c>new ClaimsPrincipal(new ClaimsIdentity())</c>) when the payload carries none, or
    /// <see langword="null"/> when the credentials are invalid, which closes the socket with
    /// 4403 Forbidden (as does an exception).
    /// </summary>
    ValueTask<ClaimsPrincipal?> Authenticate(IReadOnlyDictionary<string, object?>? payload, CancellationToken ct);
}
