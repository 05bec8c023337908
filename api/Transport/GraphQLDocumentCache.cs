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
/// Bounded by the total length of the cached texts (<see cref="GraphQLTransportOptions.DocumentCacheChars"/>);
/// documents that failed validation are never cached.
/// </summary>
public sealed class GraphQLDocumentCache : IConfigureExecution, IDisposable
{
    private readonly MemoryCache? _documents;

    public GraphQLDocumentCache(IOptions<GraphQLTransportOptions> options)
    {
        var size = options.Value.DocumentCacheChars;
        _documents = size > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = size }) : null;
    }

    /// <summary>Before graphql-dotnet's own execution steps, which parse and validate.</summary>
    public float SortOrder => 200;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        if (_documents is null || options.Document is not null || options.Query is not { } text)
        {
            return await next(options);
        }
        if (_documents.TryGetValue(text, out GraphQLDocument? cached) && cached is not null)
        {
            options.Document = cached;
            options.ValidationRules = options.CachedDocumentValidationRules ?? [];
            return await next(options);
        }
        var result = await next(options);
        if (result.Executed && result.Document is { } document)
        {
            _documents.Set(text, document, new MemoryCacheEntryOptions { Size = Math.Max(1, text.Length) });
        }
        return result;
    }

    public void Dispose() => _documents?.Dispose();
}
