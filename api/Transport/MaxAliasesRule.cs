using GraphQL.Validation;
using GraphQLParser.AST;

namespace Omni.Api.Transport;

/// <summary>
/// Refuses documents with more aliased fields than allowed: <c>a1: cart(...) a2: cart(...) ...</c>
/// fans one request out into many resolver calls without getting any deeper, so the depth limit
/// does not catch it. graphql-dotnet has no such rule of its own.
/// </summary>
internal sealed class MaxAliasesRule(int maxAliases) : ValidationRuleBase
{
    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        new(new MatchingNodeVisitor<GraphQLField, AliasCount>(new AliasCount(), enter: (field, validation, count) =>
        {
            // Report once, at the first alias over the limit.
            if (field.Alias is not null && ++count.Value == maxAliases + 1)
            {
                validation.ReportError(new MaxAliasesError(validation.Document, field, maxAliases));
            }
        }));

    private sealed class AliasCount
    {
        public int Value;
    }
}

internal sealed class MaxAliasesError : ValidationError
{
    public MaxAliasesError(GraphQLDocument document, GraphQLField field, int maxAliases)
        : base(document.Source, number: null, $"The document uses more than {maxAliases} aliases.", field)
    {
        Code = "MAX_ALIASES_EXCEEDED";
    }
}
