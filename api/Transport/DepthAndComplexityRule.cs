using System.Runtime.CompilerServices;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;

namespace Omni.Api.Transport;

/// <summary>
/// Applies graphql-dotnet's depth and complexity limits to ordinary operations, and a measure of its
/// own to introspection-only ones. The standard introspection query that GraphiQL and code generators
/// send nests <c>ofType</c> 13 levels deep and scores about 240,000 (list fields multiply by 5), so
/// the ordinary limits would refuse it; but exempting introspection outright would let through
/// <c>__schema { types { fields { type { fields { type { fields ...</c>, whose result grows
/// exponentially. Like graphql-js's MaxIntrospectionDepthRule, introspection is refused when lists of
/// types (fields, interfaces, possibleTypes, inputFields) nest 3 deep; the standard query nests 1.
/// </summary>
internal sealed class DepthAndComplexityRule(int maxDepth, int maxComplexity) : ValidationRuleBase, ICachedDocumentCheck
{
    private const int MaxIntrospectionNesting = 3;

    /// <summary>A chain of fragments deeper than this is refused rather than followed: it only serves to blow the stack.</summary>
    private const int MaxFragmentChain = 64;

    private static readonly HashSet<string> IntrospectionRoots = ["__schema", "__type", "__typename"];
    private static readonly HashSet<string> ListsOfTypes = ["fields", "interfaces", "possibleTypes", "inputFields"];

    private readonly ComplexityValidationRule _complexity =
        new(new ComplexityOptions { MaxDepth = maxDepth, MaxComplexity = maxComplexity });

    /// <summary>
    /// Operations of cached documents (<see cref="GraphQLDocumentCache"/>) already measured within the
    /// limits, so the same operation with other variables is not walked again. Keyed by the parsed
    /// node, so an entry goes when its document leaves the cache.
    /// </summary>
    private readonly ConditionalWeakTable<GraphQLOperationDefinition, object> _withinLimits = new();

    public override async ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context)
    {
        if (!IsIntrospectionOnly(context.Operation))
        {
            if (_withinLimits.TryGetValue(context.Operation, out _))
            {
                return null;
            }
            var measurable = !context.HasErrors;
            var visitor = await _complexity.GetPostNodeVisitorAsync(context);
            if (measurable && visitor is null && !context.HasErrors && ComplexityIgnoresVariables(context.Operation))
            {
                _withinLimits.AddOrUpdate(context.Operation, Measured);
            }
            return visitor;
        }
        if (new IntrospectionNesting(context.Document).Of(context.Operation.SelectionSet, 0) >= MaxIntrospectionNesting)
        {
            context.ReportError(new IntrospectionTooDeepError(context.Document, context.Operation));
        }
        return default;
    }

    private static readonly object Measured = new();

    /// <summary>An operation already measured within the limits whatever its variables.</summary>
    public bool Clears(GraphQLOperationDefinition operation, GraphQL.Inputs? variables) => _withinLimits.TryGetValue(operation, out _);

    /// <summary>
    /// Whether the operation's complexity is the same whatever its variables. A field's complexity may
    /// read its arguments, variables included, and Omni's read only the length of a list
    /// (<c>availabilities(skus)</c>): an operation without a list-typed variable scores the same every time.
    /// </summary>
    private static bool ComplexityIgnoresVariables(GraphQLOperationDefinition operation) =>
        operation.Variables?.Items.All(v => (v.Type is GraphQLNonNullType nonNull ? nonNull.Type : v.Type) is not GraphQLListType) ?? true;

    private static bool IsIntrospectionOnly(GraphQLOperationDefinition operation) =>
        operation.SelectionSet.Selections.All(s => s is GraphQLField field && IntrospectionRoots.Contains(field.Name.StringValue));

    /// <summary>How deep lists of types nest below a selection set, following fragments once each.</summary>
    private sealed class IntrospectionNesting
    {
        private readonly Dictionary<string, GraphQLFragmentDefinition> _definitions = [];
        private readonly Dictionary<string, int> _fragments = [];

        public IntrospectionNesting(GraphQLDocument document)
        {
            foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
            {
                _definitions.TryAdd(fragment.FragmentName.Name.StringValue, fragment); // duplicates are another rule's concern
            }
        }

        public int Of(GraphQLSelectionSet selectionSet, int chain)
        {
            var deepest = 0;
            foreach (var selection in selectionSet.Selections)
            {
                var nesting = selection switch
                {
                    GraphQLField field => (ListsOfTypes.Contains(field.Name.StringValue) ? 1 : 0)
                        + (field.SelectionSet is { } children ? Of(children, chain) : 0),
                    GraphQLInlineFragment inline => Of(inline.SelectionSet, chain),
                    GraphQLFragmentSpread spread => OfFragment(spread.FragmentName.Name.StringValue, chain + 1),
                    _ => 0,
                };
                deepest = Math.Max(deepest, nesting);
            }
            return deepest;
        }

        private int OfFragment(string name, int chain)
        {
            if (chain > MaxFragmentChain)
            {
                return MaxIntrospectionNesting;
            }
            if (_fragments.TryGetValue(name, out var known))
            {
                return known; // memoized, so fragment fan-out costs nothing; 0 while in progress breaks cycles
            }
            _fragments[name] = 0;
            return _fragments[name] = _definitions.TryGetValue(name, out var fragment) ? Of(fragment.SelectionSet, chain) : 0;
        }
    }
}

internal sealed class IntrospectionTooDeepError : ValidationError
{
    public IntrospectionTooDeepError(GraphQLDocument document, GraphQLOperationDefinition operation)
        : base(document.Source, number: null, "The introspection query nests lists of types too deeply.", operation)
    {
        Code = "INTROSPECTION_TOO_DEEP";
    }
}
