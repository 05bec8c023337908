using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Omni.Api.Auth;

/// <summary>
/// The JWT handler of the bearer scheme, remembering the tokens it found valid until they expire: a
/// till or an app sends the same token with every request, and checking its HMAC and claims each time
/// was a visible part of the API's CPU per call. Only valid tokens are kept (anyone can send invalid
/// ones; only the signing key makes valid ones), up to <see cref="MaxChars"/> characters of tokens,
/// each no longer than its <c>exp</c>. A token without <c>exp</c> is never kept.
/// </summary>
public sealed class CachingTokenHandler : JsonWebTokenHandler, IDisposable
{
    public const int MaxChars = 4_000_000;

    private readonly MemoryCache _valid = new(new MemoryCacheOptions { SizeLimit = MaxChars });
    private readonly TimeProvider _time;

    public CachingTokenHandler(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        MapInboundClaims = false;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_valid.TryGetValue(token, out Entry? known) && known is not null
            && known.Parameters == validationParameters && known.ValidTo > _time.GetUtcNow())
        {
            return known.Result;
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken { ValidTo: var validTo } && validTo != DateTime.MinValue)
        {
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
            if (expires > _time.GetUtcNow())
            {
                _valid.Set(token, new Entry(result, validationParameters, expires),
                    new MemoryCacheEntryOptions { Size = Math.Max(1, token.Length), AbsoluteExpiration = expires });
            }
        }
        return result;
    }

    public void Dispose() => _valid.Dispose();

    private sealed record Entry(TokenValidationResult Result, TokenValidationParameters Parameters, DateTimeOffset ValidTo);
}
