using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using GraphQL;

namespace Omni.Api.Transport;

/// <summary>
/// An automatic persisted query (Apollo's APQ, also spoken by urql and graphql-ws clients): the request's
/// <c>extensions.persistedQuery</c> is <c>{"version": 1, "sha256Hash": "&lt;64 hex digits&gt;"}</c>. Without a
/// query text the server runs the document it knows by that hash, or answers <see cref="NotFound"/> so the
/// client sends the text with the hash; with a text, the hash must be the text's SHA-256.
/// </summary>
internal sealed record PersistedQuery(string Sha256Hash)
{
    /// <summary>The server does not know the hash: the client retries with the query text.</summary>
    public const string NotFound = "PERSISTED_QUERY_NOT_FOUND";

    /// <summary>Persisted queries are switched off here: the client stops sending hashes alone.</summary>
    public const string NotSupported = "PERSISTED_QUERY_NOT_SUPPORTED";

    /// <summary>The query text's SHA-256 is not the hash sent with it.</summary>
    public const string HashMismatch = "PERSISTED_QUERY_HASH_MISMATCH";

    public const string ExtensionName = "persistedQuery";

    /// <summary>
    /// Reads <c>extensions.persistedQuery</c>: null when there is none, an error when it is malformed.
    /// The hash is kept in lowercase, as clients compute it.
    /// </summary>
    public static bool TryRead(Inputs? extensions, out PersistedQuery? persisted, [NotNullWhen(false)] out ExecutionError? error)
    {
        persisted = null;
        error = null;
        if (extensions is null || !extensions.TryGetValue(ExtensionName, out var value) || value is null)
        {
            return true;
        }
        if (value is not IReadOnlyDictionary<string, object?> fields)
        {
            error = Invalid("'extensions.persistedQuery' must be an object.");
            return false;
        }
        if (!fields.TryGetValue("version", out var version) || !IsOne(version))
        {
            error = Invalid("'extensions.persistedQuery.version' must be 1, the only version supported.");
            return false;
        }
        if (!fields.TryGetValue("sha256Hash", out var hash) || hash is not string text || !IsSha256Hex(text))
        {
            error = Invalid("'extensions.persistedQuery.sha256Hash' must be a SHA-256 in 64 hexadecimal digits.");
            return false;
        }
        persisted = new PersistedQuery(text.ToLowerInvariant());
        return true;
    }

    /// <summary>Whether <paramref name="query"/> is the text this hash names (SHA-256 of its UTF-8 bytes).</summary>
    public bool Matches(string query) => string.Equals(HashOf(query), Sha256Hash, StringComparison.Ordinal);

    public static string HashOf(string query) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(query)));

    // Apollo Client and urql match on these messages as well as on the codes.
    public static ExecutionError NotFoundError() => new("PersistedQueryNotFound") { Code = NotFound };

    public static ExecutionError NotSupportedError() => new("PersistedQueryNotSupported") { Code = NotSupported };

    public static ExecutionError HashMismatchError() =>
        new("The query's SHA-256 is not extensions.persistedQuery.sha256Hash.") { Code = HashMismatch };

    private static ExecutionError Invalid(string message) => GraphQLRequestParser.Error(GraphQLRequestParser.InvalidRequest, message);

    private static bool IsOne(object? version) => version switch
    {
        int i => i == 1,
        long l => l == 1,
        decimal d => d == 1,
        double d => d == 1,
        System.Numerics.BigInteger b => b.IsOne,
        _ => false,
    };

    private static bool IsSha256Hex(string text) =>
        text.Length == 64 && text.All(char.IsAsciiHexDigit);
}
