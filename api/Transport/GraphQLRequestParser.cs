using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using Microsoft.Extensions.Primitives;

namespace Omni.Api.Transport;

/// <summary>
/// Turns the parameters of a GraphQL-over-HTTP request (a POST body, a GET query string, or the
/// payload of a graphql-transport-ws <c>subscribe</c> message) into a <see cref="GraphQLRequest"/>,
/// refusing anything that is not well formed: a non-string <c>query</c>, non-object <c>variables</c>...
/// Whether the document itself parses and validates is graphql-dotnet's business, not this one's.
/// </summary>
internal static class GraphQLRequestParser
{
    public const string InvalidJson = "INVALID_JSON";
    public const string InvalidRequest = "INVALID_REQUEST";
    public const string InvalidArgument = "INVALID_ARGUMENT";

    public static bool TryParseBody(ReadOnlySequence<byte> body, IGraphQLSerializer serializer,
        [NotNullWhen(true)] out GraphQLRequest? request, [NotNullWhen(false)] out ExecutionError? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            request = null;
            error = Error(InvalidJson, "The request body is not valid JSON.");
            return false;
        }
        using (document)
        {
            return TryParseObject(document.RootElement, serializer, out request, out error);
        }
    }

    /// <summary>Reads the JSON encoding: an object with query (unless persisted), operationName, variables and extensions.</summary>
    public static bool TryParseObject(JsonElement json, IGraphQLSerializer serializer,
        [NotNullWhen(true)] out GraphQLRequest? request, [NotNullWhen(false)] out ExecutionError? error)
    {
        try
        {
            return TryParseObjectOrThrow(json, serializer, out request, out error);
        }
        catch (Exception e) when (IsUnreadableText(e))
        {
            // JSON may escape half a surrogate pair (\ud800); System.Text.Json refuses to make a string
            // of it. Such a string can be no valid argument, so it is refused as one, not as a server fault.
            request = null;
            error = Error(InvalidArgument, "A string in the request is not valid Unicode text (an unpaired surrogate).");
            return false;
        }
    }

    private static bool TryParseObjectOrThrow(JsonElement json, IGraphQLSerializer serializer,
        [NotNullWhen(true)] out GraphQLRequest? request, [NotNullWhen(false)] out ExecutionError? error)
    {
        request = null;
        if (json.ValueKind != JsonValueKind.Object)
        {
            error = Error(InvalidRequest, "The request must be a JSON object.");
            return false;
        }
        var query = json.TryGetProperty("query", out var found) ? found : default;
        if (query.ValueKind is not (JsonValueKind.String or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            error = Error(InvalidRequest, "The request needs a 'query' string.");
            return false;
        }
        var operationName = json.TryGetProperty("operationName", out var name) ? name : default;
        if (operationName.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String))
        {
            error = Error(InvalidRequest, "'operationName' must be a string.");
            return false;
        }
        if (!TryReadProperty(json, "variables", serializer, out var variables, out error)
            || !TryReadProperty(json, "extensions", serializer, out var extensions, out error))
        {
            return false;
        }
        if (query.ValueKind != JsonValueKind.String && !IsPersistedQuery(extensions))
        {
            error = Error(InvalidRequest, "The request needs a 'query' string.");
            return false;
        }
        request = new GraphQLRequest
        {
            Query = query.ValueKind == JsonValueKind.String ? query.GetString() : null,
            OperationName = operationName.ValueKind == JsonValueKind.String ? NullIfEmpty(operationName.GetString()) : null,
            Variables = variables,
            Extensions = extensions,
        };
        return true;
    }

    /// <summary>Reads a GET request: the same parameters, with variables and extensions as JSON strings.</summary>
    public static bool TryParseQueryString(IQueryCollection parameters, IGraphQLSerializer serializer,
        [NotNullWhen(true)] out GraphQLRequest? request, [NotNullWhen(false)] out ExecutionError? error)
    {
        try
        {
            return TryParseQueryStringOrThrow(parameters, serializer, out request, out error);
        }
        catch (Exception e) when (IsUnreadableText(e))
        {
            request = null;
            error = Error(InvalidArgument, "A string in the request is not valid Unicode text (an unpaired surrogate).");
            return false;
        }
    }

    private static bool TryParseQueryStringOrThrow(IQueryCollection parameters, IGraphQLSerializer serializer,
        [NotNullWhen(true)] out GraphQLRequest? request, [NotNullWhen(false)] out ExecutionError? error)
    {
        request = null;
        if (!TrySingle(parameters, "query", out var query, out error)
            || !TrySingle(parameters, "operationName", out var operationName, out error)
            || !TrySingle(parameters, "variables", out var variablesJson, out error)
            || !TrySingle(parameters, "extensions", out var extensionsJson, out error))
        {
            return false;
        }
        if (!TryReadJsonString(variablesJson, "variables", serializer, out var variables, out error)
            || !TryReadJsonString(extensionsJson, "extensions", serializer, out var extensions, out error))
        {
            return false;
        }
        if (query is null && !IsPersistedQuery(extensions))
        {
            error = Error(InvalidRequest, "The request needs a 'query' parameter.");
            return false;
        }
        request = new GraphQLRequest
        {
            Query = query,
            OperationName = NullIfEmpty(operationName),
            Variables = variables,
            Extensions = extensions,
        };
        return true;
    }

    /// <summary>Reads an optional JSON object (or null) into graphql-dotnet's <see cref="Inputs"/>.</summary>
    public static bool TryReadMap(JsonElement value, IGraphQLSerializer serializer, out Inputs? map)
    {
        map = null;
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return true;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        try
        {
            map = serializer.ReadNode<Inputs>(value);
            return true;
        }
        catch (JsonException e) when (!IsUnreadableText(e))
        {
            return false;
        }
    }

    /// <summary>A request may leave out its text when it names it by hash (<see cref="PersistedQuery"/>, checked at execution).</summary>
    private static bool IsPersistedQuery(Inputs? extensions) =>
        extensions?.ContainsKey(PersistedQuery.ExtensionName) == true;

    public static ExecutionError Error(string code, string message) => new(message) { Code = code };

    /// <summary>
    /// System.Text.Json parses a string escaping half a surrogate pair but cannot turn it into a .NET
    /// string: reading one throws InvalidOperationException (inside a JsonException from a converter).
    /// </summary>
    public static bool IsUnreadableText(Exception exception) =>
        exception is InvalidOperationException or JsonException { InnerException: InvalidOperationException };

    private static bool TryReadProperty(JsonElement request, string property, IGraphQLSerializer serializer,
        out Inputs? map, [NotNullWhen(false)] out ExecutionError? error)
    {
        var value = request.TryGetProperty(property, out var found) ? found : default;
        error = TryReadMap(value, serializer, out map) ? null : Error(InvalidRequest, $"'{property}' must be a JSON object.");
        return error is null;
    }

    private static bool TryReadJsonString(string? json, string property, IGraphQLSerializer serializer,
        out Inputs? map, [NotNullWhen(false)] out ExecutionError? error)
    {
        map = null;
        error = null;
        if (string.IsNullOrEmpty(json))
        {
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            if (TryReadMap(document.RootElement, serializer, out map))
            {
                return true;
            }
        }
        catch (JsonException e) when (!IsUnreadableText(e))
        {
        }
        error = Error(InvalidRequest, $"'{property}' must be a JSON object.");
        return false;
    }

    private static bool TrySingle(IQueryCollection parameters, string name, out string? value, [NotNullWhen(false)] out ExecutionError? error)
    {
        var values = parameters.TryGetValue(name, out var found) ? found : StringValues.Empty;
        value = values.Count == 1 ? values[0] : null;
        error = values.Count > 1 ? Error(InvalidRequest, $"'{name}' is given more than once.") : null;
        return error is null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
