using System.Security.Claims;
using System.Text.Json;
using Omni.Api.Transport;

namespace Omni.Api.Auth;

/// <summary>
/// A WebSocket's token from its <c>connection_init</c> payload (<c>{"Authorization": "Bearer ..."}</c>),
/// checked exactly as the HTTP bearer handler checks one. No token: anonymous. A bad one: refused,
/// and the transport closes the socket with 4403.
/// </summary>
public sealed class BearerConnectionInitAuthenticator(OmniTokens tokens) : IConnectionInitAuthenticator
{
    private const string Scheme = "Bearer ";

    public async ValueTask<ClaimsPrincipal?> Authenticate(IReadOnlyDictionary<string, object?>? payload, CancellationToken ct)
    {
        var header = payload?.FirstOrDefault(p => string.Equals(p.Key, "Authorization", StringComparison.OrdinalIgnoreCase)).Value;
        var value = header switch
        {
            null => null,
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            _ => "",
        };
        if (value is null)
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }
        if (!value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return await tokens.Validate(value[Scheme.Length..].Trim());
    }
}
