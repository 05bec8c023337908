namespace Omni.Api.Auth;

/// <summary>Bearer token settings (configuration section <c>Omni:Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Omni:Auth";

    /// <summary>
    /// The HMAC-SHA256 secret tokens are signed with (its UTF-8 bytes, at least 32). Every API node
    /// of a cluster needs the same one. Empty: a random key per process, allowed only with dev tokens.
    /// </summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Serves <c>POST /dev/token</c>, which hands anyone a token for any role. Development only.</summary>
    public bool DevTokens { get; set; }

    /// <summary>How long a dev token is valid.</summary>
    public TimeSpan DevTokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
