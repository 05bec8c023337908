using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using GraphQL;
using GraphQL.Execution;

namespace Omni.Api.Transport;

/// <summary>
/// Writes an <see cref="ExecutionResult"/> as graphql-dotnet's own converter does, byte for byte,
/// but cheaper per field: a leaf's value of a known scalar type goes straight to the
/// <see cref="Utf8JsonWriter"/> instead of through a polymorphic <see cref="JsonSerializer"/> call,
/// and each field's property name is encoded once (per schema field, or per aliased field of a
/// cached document) instead of on every response. Errors and extensions go through the serializer
/// as before.
/// </summary>
public sealed class ExecutionResultWriter : JsonConverter<ExecutionResult>
{
    // Keyed by the schema's FieldType (no alias) or by the document's field node (alias): both live as
    // long as their schema or document, so the table holds nothing once they are gone.
    private readonly ConditionalWeakTable<object, EncodedName> _names = new();

    public override bool CanConvert(Type typeToConvert) => typeof(ExecutionResult).IsAssignableFrom(typeToConvert);

    public override ExecutionResult Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("An execution result is only ever written.");

    public override void Write(Utf8JsonWriter writer, ExecutionResult value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Errors is { Count: > 0 } errors)
        {
            writer.WritePropertyName("errors");
            JsonSerializer.Serialize(writer, errors, options);
        }
        if (value.Executed)
        {
            writer.WritePropertyName("data");
            if (value.Data is ExecutionNode node)
            {
                WriteNode(writer, node, options);
            }
            else
            {
                JsonSerializer.Serialize(writer, value.Data, options);
            }
        }
        if (value.Extensions is { Count: > 0 } extensions)
        {
            writer.WritePropertyName("extensions");
            JsonSerializer.Serialize(writer, extensions, options);
        }
        writer.WriteEndObject();
    }

    private void WriteNode(Utf8JsonWriter writer, ExecutionNode? node, JsonSerializerOptions options)
    {
        switch (node)
        {
            case ValueExecutionNode leaf:
                WriteValue(writer, leaf.ToValue(), options);
                break;
            case ObjectExecutionNode { SubFields: { } fields }:
                writer.WriteStartObject();
                foreach (var field in fields)
                {
                    writer.WritePropertyName(NameOf(field, options));
                    WriteNode(writer, field, options);
                }
                writer.WriteEndObject();
                break;
            case ObjectExecutionNode:
                writer.WriteNullValue();
                break;
            case ArrayExecutionNode { Items: { } items }:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteNode(writer, item, options);
                }
                writer.WriteEndArray();
                break;
            case ArrayExecutionNode array:
                JsonSerializer.Serialize(writer, array.SerializedResult, options);
                break;
            case Schema.PlainTreeNode tree:
                tree.Write(writer, options);
                break;
            case null or NullExecutionNode:
                writer.WriteNullValue();
                break;
            default:
                JsonSerializer.Serialize(writer, node.ToValue(), options);
                break;
        }
    }

    /// <summary>The scalars Omni's schema serializes to, written as their System.Text.Json converters write them.</summary>
    internal static void WriteValue(Utf8JsonWriter writer, object? value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            case DateTimeOffset moment:
                writer.WriteStringValue(moment);
                break;
            default:
                JsonSerializer.Serialize(writer, value, options);
                break;
        }
    }

    private JsonEncodedText NameOf(ExecutionNode field, JsonSerializerOptions options)
    {
        object key = field.Field?.Alias is not null ? field.Field : field.FieldDefinition;
        if (options.PropertyNamingPolicy is not null || key is null)
        {
            return JsonEncodedText.Encode(Converted(field.Name!, options), options.Encoder);
        }
        return _names.GetValue(key, _ => new EncodedName(JsonEncodedText.Encode(field.Name!, options.Encoder))).Text;
    }

    private static string Converted(string name, JsonSerializerOptions options) =>
        options.PropertyNamingPolicy?.ConvertName(name) ?? name;

    private sealed record EncodedName(JsonEncodedText Text);
}
