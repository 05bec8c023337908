using Microsoft.Extensions.Time.Testing;
using Omni.Api.Auth;

namespace Omni.Tests.Api.Auth;

/// <summary>The bearer scheme's handler remembers valid tokens until their expiry, and nothing else.</summary>
[Trait("Tier", "Unit")]
public sealed class CachingTokenHandlerTests
{
    private static readonly OmniTokens Tokens = OmniTokens.Create(new AuthOptions { SigningKey = "unit-test-signing-key-0123456789-abcdef" });

    [Fact]
    public async Task A_valid_token_is_checked_once_and_then_served_until_it_expires()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var handler = new CachingTokenHandler(clock);
        var token = Tokens.Issue(Role.STAFF, null, "s1", TimeSpan.FromMinutes(10));

        var first = await handler.ValidateTokenAsync(token, Tokens.ValidationParameters);
        var second = await handler.ValidateTokenAsync(token, Tokens.ValidationParameters);
        clock.Advance(TimeSpan.FromMinutes(11));
        var afterExpiry = await handler.ValidateTokenAsync(token, Tokens.ValidationParameters);

        Assert.True(first.IsValid);
        Assert.Same(first, second);
        Assert.NotSame(first, afterExpiry); // checked again (the real clock still accepts it; the cache no longer vouches)
    }

    [Fact]
    public async Task An_invalid_token_is_never_remembered()
    {
        using var handler = new CachingTokenHandler();
        var token = Tokens.Issue(Role.OPS, null, null, TimeSpan.FromMinutes(10));
        var tampered = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");

        var first = await handler.ValidateTokenAsync(tampered, Tokens.ValidationParameters);
        var second = await handler.ValidateTokenAsync(tampered, Tokens.ValidationParameters);

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task A_token_checked_with_other_rules_is_checked_again()
    {
        using var handler = new CachingTokenHandler();
        var token = Tokens.Issue(Role.OPS, null, null, TimeSpan.FromMinutes(10));
        var other = Tokens.ValidationParameters.Clone();
        other.ValidAudience = "someone-else";

        Assert.True((await handler.ValidateTokenAsync(token, Tokens.ValidationParameters)).IsValid);
        Assert.False((await handler.ValidateTokenAsync(token, other)).IsValid);
    }
}
