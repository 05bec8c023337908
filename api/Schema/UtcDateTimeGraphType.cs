using System.Globalization;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Omni.Api.Schema;

/// <summary>
/// The contract's <c>DateTime</c>: an instant as an ISO-8601 string in UTC with milliseconds
/// (<c>2025-03-01T12:30:00.000Z</c>), whatever offset the grain recorded it with.
/// </summary>
public sealed class UtcDateTimeGraphType : ScalarGraphType
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public UtcDateTimeGraphType()
    {
        Name = "DateTime";
        Description = "An instant as an ISO-8601 string in UTC, e.g. 2025-03-01T12:30:00.000Z.";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset instant => instant.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture),
        DateTime time => time.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture),
        _ => ThrowSerializationError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        DateTimeOffset instant => instant,
        string text when TryParse(text, out var instant) => instant,
        _ => ThrowValueConversionError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue text when TryParse(text.Value.ToString(), out var instant) => instant,
        _ => ThrowLiteralConversionError(value),
    };

    private static bool TryParse(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
}
