using System.Globalization;

namespace Omni;

/// <summary>
/// The one grammar of ids and text, shared by the API's edge check and the domain's own:
/// bounded length, printable characters only. Ids end up as grain keys, journal rows and log
/// lines; a NUL or a lone surrogate that PostgreSQL's jsonb refuses would fail a whole group
/// commit, and with it every other caller's change in that batch (DESIGN rule 11).
/// </summary>
public static class PrintableText
{
    /// <summary>
    /// True when <paramref name="value"/> is at most <paramref name="maxLength"/> UTF-16 units long
    /// and holds no control or format character, no line or paragraph separator, no noncharacter
    /// (U+FFFE, U+FFFF) and no surrogate that is not part of a pair.
    /// </summary>
    public static bool IsValid(string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            return false;
        }
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }
                return false;
            }
            if (c is '\uFFFE' or '\uFFFF')
            {
                return false;
            }
            switch (char.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.Surrogate: // a low surrogate without its high half
                    return false;
            }
        }
        return true;
    }

    /// <summary>An id: 1 to <see cref="Limits.MaxIdLength"/> printable characters, not only white space.</summary>
    public static bool IsValidId(string? value) =>
        !string.IsNullOrWhiteSpace(value) && IsValid(value, Limits.MaxIdLength);
}
