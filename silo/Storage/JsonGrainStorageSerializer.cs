using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Omni.Silo.Storage;

/// <summary>
/// Grain state as plain JSON: readable in psql, and free of assembly-qualified type
/// names, so moving or renaming a CLR type never strands stored state.
/// </summary>
public sealed class JsonGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter() },
    };

    public BinaryData Serialize<T>(T? input) => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)
        ?? throw new JsonException($"Stored state for {typeof(T).Name} is null.");
}
