using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Omni.Api.Auth;

/// <summary>
/// The signing key and the one set of validation rules every transport uses: HTTP (the JwtBearer
/// handler) and WebSocket <c>connection_init</c> alike. Also issues the development tokens.
/// </summary>
public sealed class OmniTokens
{
    public const string Issuer = "omni";
    public const string Audience = "omni";
    private const int MinKeyBytes = 32;

    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new();

    private OmniTokens(SymmetricSecurityKey key, AuthOptions options, bool keyGenerated)
    {
        _key = key;
        Options = options;
        KeyGenerated = keyGenerated;
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            NameClaimType = Caller.SubjectClaim,
            RoleClaimType = Caller.RoleClaim,
            ClockSkew = TimeSpan.FromMinutes(1),
        };
    }

    public AuthOptions Options { get; }

    /// <summary>No key was configured and dev tokens are on: this process signs with a random key of its own.</summary>
    public bool KeyGenerated { get; }

    public TokenValidationParameters ValidationParameters { get; }

    /// <summary>Refuses to start without a key unless dev tokens are on, where a random key will do.</summary>
    public static OmniTokens Create(AuthOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            if (!options.DevTokens)
            {
                throw new InvalidOperationException(
                    "No token signing key: set Omni:Auth:SigningKey (environment variable Omni__Auth__SigningKey) to a secret " +
                    $"of at least {MinKeyBytes} bytes, the same on every API node; or, for development only, set " +
                    "Omni:Auth:DevTokens=true to sign with a random key.");
            }
            return new OmniTokens(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(MinKeyBytes)), options, keyGenerated: true);
        }
        var bytes = Encoding.UTF8.GetBytes(options.SigningKey);
        if (bytes.Length < MinKeyBytes)
        {
            throw new InvalidOperationException(
                $"Omni:Auth:SigningKey is {bytes.Length} bytes; HMAC-SHA256 needs at least {MinKeyBytes}.");
        }
        return new OmniTokens(new SymmetricSecurityKey(bytes), options, keyGenerated: false);
    }

    public string Issue(Role role, string? customerId, string? storeId, TimeSpan lifetime)
    {
        var claims = new Dictionary<string, object> { [Caller.RoleClaim] = role.ToString() };
        if (customerId is not null)
        {
            claims[Caller.SubjectClaim] = customerId;
        }
        if (storeId is not null)
        {
            claims[Caller.StoreClaim] = storeId;
        }
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The token's principal, or null when it is not valid.</summary>
    public async Task<ClaimsPrincipal?> Validate(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, ValidationParameters);
        return result.IsValid ? new ClaimsPrincipal(result.ClaimsIdentity) : null;
    }
}
