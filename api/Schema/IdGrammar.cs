namespace Omni.Api.Schema;

/// <summary>
/// The one grammar every id and text a caller sends must follow before anything else sees it:
/// bounded length, printable characters only. Ids end up as grain keys, journal rows and log
/// lines; a NUL or a lone surrogate that PostgreSQL's jsonb refuses would fail a whole group
/// commit, and with it every other caller's change in that batch (DESIGN rule 11).
/// </summary>
public static class IdGrammar
{
    /// <summary>Longest free text (a product or store name) an argument may carry.</summary>
    public const int MaxTextLength = 200;

    /// <summary>
    /// True when <paramref name="value"/> is at most <paramref name="maxLength"/> UTF-16 units long
    /// and holds no control or format character, no line or paragraph separator, no noncharacter
    /// (U+FFFE, U+FFFF) and no surrogate that is not part of a pair.
    /// </summary>
    public static bool IsValid(string value, int maxLength) => PrintableText.IsValid(value, maxLength);

    /// <summary>An id: <see cref="Limits.MaxIdLength"/> at most.</summary>
    public static bool IsValidId(string value) => IsValid(value, Limits.MaxIdLength);

    public static string Rule(int maxLength) =>
        $"at most {maxLength} printable characters (no control characters, no unpaired surrogates)";
}
