using GraphQL;
using GraphQL.Validation;
using GraphQLParser;
using Omni.Api.Transport;

namespace Omni.Tests.Api.Transport;

/// <summary>What the document cache keeps and what it hands back (the transport tests check the rules still run).</summary>
[Trait("Tier", "Unit")]
public sealed class GraphQLDocumentCacheTests
{
    private static readonly IValidationRule[] CachedRules = [GraphQL.Validation.Rules.Custom.NoIntrospectionValidationRule.Instance];

    [Fact]
    public async Task A_valid_document_is_parsed_once_and_then_run_with_the_cached_rules_only()
    {
        using var cache = Cache(1000);
        var document = Parser.Parse("{ hello }");
        var seen = new List<(GraphQLParser.AST.GraphQLDocument? Document, IEnumerable<IValidationRule>? Rules)>();

        for (var i = 0; i < 3; i++)
        {
            await cache.ExecuteAsync(Options("{ hello }"), options =>
            {
                seen.Add((options.Document, options.ValidationRules));
                return Task.FromResult(new ExecutionResult { Executed = true, Document = document });
            });
        }

        Assert.Null(seen[0].Document);
        Assert.All(seen.Skip(1), s => Assert.Same(document, s.Document));
        Assert.All(seen.Skip(1), s => Assert.Same(CachedRules, s.Rules));
    }

    [Fact]
    public async Task A_document_that_failed_validation_is_not_kept()
    {
        using var cache = Cache(1000);
        var documents = new List<GraphQLParser.AST.GraphQLDocument?>();

        for (var i = 0; i < 2; i++)
        {
            await cache.ExecuteAsync(Options("{ nope }"), options =>
            {
                documents.Add(options.Document);
                return Task.FromResult(new ExecutionResult { Executed = false, Document = Parser.Parse("{ nope }") });
            });
        }

        Assert.All(documents, Assert.Null);
    }

    [Fact]
    public async Task Size_zero_turns_the_cache_off()
    {
        using var cache = Cache(0);
        var documents = new List<GraphQLParser.AST.GraphQLDocument?>();

        for (var i = 0; i < 2; i++)
        {
            await cache.ExecuteAsync(Options("{ hello }"), options =>
            {
                documents.Add(options.Document);
                return Task.FromResult(new ExecutionResult { Executed = true, Document = Parser.Parse("{ hello }") });
            });
        }

        Assert.All(documents, Assert.Null);
    }

    private static GraphQLDocumentCache Cache(int chars) =>
        new(Microsoft.Extensions.Options.Options.Create(new GraphQLTransportOptions { DocumentCacheChars = chars }));

    private static ExecutionOptions Options(string query) => new()
    {
        Query = query,
        ValidationRules = DocumentValidator.CoreRules,
        CachedDocumentValidationRules = CachedRules,
    };
}
