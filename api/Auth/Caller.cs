using System.Security.Claims;

namespace Omni.Api.Auth;

/// <summary>The contract's <c>Role</c>: what a token lets its holder do.</summary>
public enum Role
{
    CUSTOMER,
    STAFF,
    OPS,
}

/// <summary>Who is calling, read from the token's claims.</summary>
/// <param name="Role">null for an anonymous caller (no token, or one that was rejected).</param>
/// <param name="CustomerId">the <c>sub</c> of a customer token.</param>
/// <param name="StoreId">the <c>store</c> of a staff token.</param>
/// <param name="TokenRejected">a bearer token came with the request but was not valid (expired, forged, not ours).</param>
public sealed record Caller(Role? Role, string? CustomerId, string? StoreId, bool TokenRejected)
{
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";
    public const string StoreClaim = "store";

    /// <summary>Marks a request whose bearer token failed validation (see <see cref="AuthExtensions"/>).</summary>
    public const string RejectedTokenClaim = "omni:token-rejected";

    public static Caller Anonymous { get; } = new(null, null, null, false);
    public static Caller Rejected { get; } = new(null, null, null, true);

    public bool IsAuthenticated => Role is not null;
    public bool IsOps => Role == Auth.Role.OPS;

    public static Caller From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return user?.HasClaim(c => c.Type == RejectedTokenClaim) == true ? Rejected : Anonymous;
        }
        var subject = user.FindFirst(SubjectClaim)?.Value;
        var store = user.FindFirst(StoreClaim)?.Value;
        // A token of ours always has a role, and the claim its role needs; anything else is not ours.
        return user.FindFirst(RoleClaim)?.Value switch
        {
            nameof(Auth.Role.CUSTOMER) when !string.IsNullOrEmpty(subject) => new Caller(Auth.Role.CUSTOMER, subject, null, false),
            nameof(Auth.Role.STAFF) when !string.IsNullOrEmpty(store) => new Caller(Auth.Role.STAFF, null, store, false),
            nameof(Auth.Role.OPS) => new Caller(Auth.Role.OPS, null, null, false),
            _ => Rejected,
        };
    }

    /// <summary>The principal for a request whose bearer token failed: anonymous, but not silently so.</summary>
    public static ClaimsPrincipal RejectedTokenPrincipal() => new(new ClaimsIdentity([new Claim(RejectedTokenClaim, "true")]));
}
