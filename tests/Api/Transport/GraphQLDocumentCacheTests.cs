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
    public async Task A_cached_document_runs_without_rules_only_when_every_rule_clears_it_without_a_walk()
    {
        using var cache = Cache(1000);
        var seen = new List<IEnumerable<IValidationRule>?>();
        var clears = new ClearsWhen(variables => variables is null || !variables.ContainsKey("bad"));
        IValidationRule[] cachedRules = [clears, new ClearsWhen(_ => true)];
        const string Query = "query Q($x: ID) { hello }";
        ExecutionOptions Request(Dictionary<string, object?>? variables, string? operation = null, IValidationRule[]? rules = null) => new()
        {
            Query = Query,
            OperationName = operation,
            Variables = variables is null ? null : new Inputs(variables),
            ValidationRules = DocumentValidator.CoreRules,
            CachedDocumentValidationRules = rules ?? cachedRules,
        };

        foreach (var request in new[]
        {
            Request(null),                                                   // parsed and validated: not cached yet
            Request(new() { ["x"] = "fine" }),                                // every rule clears: no rules, no walk
            Request(new() { ["bad"] = "x" }),                                 // one rule cannot tell: every rule runs
            Request(null, operation: "Other"),                               // no such operation: graphql-dotnet says so
            Request(new() { ["x"] = "fine" }, operation: "Q"),                // named, and every rule clears it
            Request(null, rules: [.. cachedRules, GraphQL.Validation.Rules.Custom.NoIntrospectionValidationRule.Instance]), // a rule that cannot tell at all
        })
        {
            await cache.ExecuteAsync(request, options =>
            {
                seen.Add(options.ValidationRules);
                return Task.FromResult(new ExecutionResult { Executed = true, Document = Parser.Parse(Query) });
            });
        }

        Assert.Same(DocumentValidator.CoreRules, seen[0]);
        Assert.Empty(seen[1]!);
        Assert.Same(cachedRules, seen[2]);
        Assert.Same(cachedRules, seen[3]);
        Assert.Empty(seen[4]!);
        Assert.Equal(3, seen[5]!.Count());
    }

    private sealed class ClearsWhen(Func<Inputs?, bool> clears) : ValidationRuleBase, ICachedDocumentCheck
    {
        public bool Clears(GraphQLParser.AST.GraphQLOperationDefinition operation, Inputs? variables) => clears(variables);
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
