using GraphQL;
using GraphQL.DI;
using GraphQLParser.AST;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Omni.Api.Transport;

/// <summary>
/// Parsed documents that passed validation, by their text: clients send the same few operations
/// over and over with other variables, so parsing and the document-wide validation rules run once
/// per distinct text. A document taken from the cache is still checked by the rules that depend
/// on the operation picked or on the transport (<see cref="ExecutionOptions.CachedDocumentValidationRules"/>,
/// set by <see cref="GraphQLRequestExecutor"/>), and its variables are still coerced and checked.
/// <para>
/// The same cache keeps the texts of automatic persisted queries by their SHA-256 (<see cref="PersistedQuery"/>):
/// a text is remembered under its hash only once it has passed validation, so what anyone can make the
/// server remember is bounded, and it is the same kind of thing the document cache keeps anyway.
/// </para>
/// Bounded by the total length of the cached texts, both kinds of entry together
/// (<see cref="GraphQLTransportOptions.DocumentCacheChars"/>); documents that failed validation are never cached.
/// </summary>
public sealed class GraphQLDocumentCache : IConfigureExecution, IDisposable
{
    private readonly MemoryCache? _documents;
    private readonly bool _persistedQueries;

    public GraphQLDocumentCache(IOptions<GraphQLTransportOptions> options)
    {
        var size = options.Value.DocumentCacheChars;
        _documents = size > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = size }) : null;
        _persistedQueries = _documents is not null && options.Value.EnablePersistedQueries;
    }

    /// <summary>Before graphql-dotnet's own execution steps, which parse and validate.</summary>
    public float SortOrder => 200;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        if (!PersistedQuery.TryRead(options.Extensions, out var persisted, out var invalid))
        {
            return Refused(invalid);
        }
        if (persisted is not null)
        {
            if (!_persistedQueries)
            {
                if (options.Query is null)
                {
                    return Refused(PersistedQuery.NotSupportedError());
                }
                persisted = null; // a text sent with its hash just runs, as it would without
            }
            else if (options.Query is null && options.Document is null)
            {
                if (!_documents!.TryGetValue(new PersistedKey(persisted.Sha256Hash), out string? known) || known is null)
                {
                    return Refused(PersistedQuery.NotFoundError());
                }
                options.Query = known;
                persisted = null; // known already: nothing to remember
            }
            else if (options.Query is { } sent && !persisted.Matches(sent))
            {
                return Refused(PersistedQuery.HashMismatchError());
            }
        }
        if (_documents is null || options.Document is not null || options.Query is not { } text)
        {
            return await next(options);
        }
        ExecutionResult result;
        if (_documents.TryGetValue(text, out GraphQLDocument? cached) && cached is not null)
        {
            options.Document = cached;
            options.ValidationRules = Cleared(cached, options) ? [] : options.CachedDocumentValidationRules ?? [];
            result = await next(options);
        }
        else
        {
            result = await next(options);
            if (result.Executed && result.Document is { } document)
            {
                _documents.Set(text, document, SizeOf(text));
            }
        }
        if (persisted is not null && result.Executed)
        {
            _documents.Set(new PersistedKey(persisted.Sha256Hash), text, SizeOf(text));
        }
        return result;
    }

    public void Dispose() => _documents?.Dispose();

    /// <summary>Whether every rule for cached documents can tell it has nothing to report (<see cref="ICachedDocumentCheck"/>).</summary>
    private static bool Cleared(GraphQLDocument document, ExecutionOptions options)
    {
        if (OperationOf(document, options.OperationName) is not { } operation)
        {
            return false;
        }
        foreach (var rule in options.CachedDocumentValidationRules ?? [])
        {
            if (rule is not ICachedDocumentCheck check || !check.Clears(operation, options.Variables))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The operation a request names, or its document's only one; null when that is not clear (graphql-dotnet then says why).</summary>
    private static GraphQLOperationDefinition? OperationOf(GraphQLDocument document, string? name)
    {
        GraphQLOperationDefinition? found = null;
        foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            if (name is not null && (operation.Name is not { } named || named != name))
            {
                continue;
            }
            if (found is not null)
            {
                return null;
            }
            found = operation;
        }
        return found;
    }

    private static MemoryCacheEntryOptions SizeOf(string text) => new() { Size = Math.Max(1, text.Length) };

    private static ExecutionResult Refused(ExecutionError error) => new(error) { Executed = false };

    /// <summary>Keeps hashes apart from document texts, which are keys of the same cache.</summary>
    private readonly record struct PersistedKey(string Sha256Hash);
}
