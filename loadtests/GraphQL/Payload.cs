using System.Text.Json;

namespace Omni.LoadTests.GraphQL;

/// <summary>Reading a mutation payload (<c>{ ..., errors: [UserError] }</c>).</summary>
public static class Payload
{
    /// <summary>The code of the payload's first domain error, or null when it has none.</summary>
    public static string? ErrorCode(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("errors", out var errors)
            && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                ? errors[0].GetProperty("code").GetString()
                : null;

    public static JsonElement Get(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) ? value : default;

    public static string? String(this JsonElement element, string property) =>
        element.Get(property) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static int Int(this JsonElement element, string property) =>
        element.Get(property) is { ValueKind: JsonValueKind.Number } value ? value.GetInt32() : 0;

    public static long Long(this JsonElement element, string property) =>
        element.Get(property) is { ValueKind: JsonValueKind.Number } value ? value.GetInt64() : 0;
}
