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
    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var aliases = 0; // per validation: the rule itself is shared
        return new(new MatchingNodeVisitor<GraphQLField>(enter: (field, validation) =>
        {
            // Report once, at the first alias over the limit.
            if (field.Alias is not null && ++aliases == maxAliases + 1)
            {
                validation.ReportError(new MaxAliasesError(validation.Document, field, maxAliases));
            }
        }));
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
