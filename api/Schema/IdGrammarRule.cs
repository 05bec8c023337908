using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace Omni.Api.Schema;

/// <summary>
/// Checks every string a request carries into an argument, written in the document or sent as a
/// variable, against <see cref="IdGrammar"/>: <c>ID</c> values up to <see cref="Limits.MaxIdLength"/>,
/// other strings up to <see cref="IdGrammar.MaxTextLength"/>. It runs during validation, so a
/// refused request executes nothing and no resolver or grain ever sees the value. It runs for
/// cached documents too: their variables are new on every request.
/// </summary>
public sealed class IdGrammarRule : ValidationRuleBase, Transport.ICachedDocumentCheck
{
    /// <summary>
    /// A cached document's literals passed when it was first validated; its variables pass when
    /// every string in them is a valid ID (the stricter of the two grammars).
    /// </summary>
    public bool Clears(GraphQLOperationDefinition operation, Inputs? variables) => variables is null || AllValidIds(variables);

    private static bool AllValidIds(object? value) => value switch
    {
        string text => IdGrammar.IsValidId(text),
        IEnumerable<KeyValuePair<string, object?>> fields => fields.All(field => AllValidIds(field.Value)),
        IEnumerable<object?> items => items.All(AllValidIds),
        _ => true,
    };

    public const string Code = nameof(ErrorCode.INVALID_ARGUMENT);

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(new NodeVisitors(
        new MatchingNodeVisitor<GraphQLStringValue>(enter: (literal, validation) =>
        {
            var type = validation.TypeInfo.GetInputType();
            var value = (string)literal.Value;
            if (!IdGrammar.IsValid(value, MaxLengthOf(type)))
            {
                var argument = validation.TypeInfo.GetArgument()?.Name ?? "a string";
                validation.ReportError(new IdGrammarError(validation, literal, $"argument '{argument}'", MaxLengthOf(type)));
            }
        }),
        new MatchingNodeVisitor<GraphQLVariableDefinition>(enter: (definition, validation) =>
        {
            var name = definition.Variable.Name.StringValue;
            if (validation.Variables is { } variables && variables.TryGetValue(name, out var value))
            {
                CheckVariable(validation, definition, value, definition.Type, $"variable '${name}'");
            }
        })));

    /// <summary>Walks a variable's raw value along its declared type, down to its strings.</summary>
    private static void CheckVariable(ValidationContext validation, GraphQLVariableDefinition definition, object? value, GraphQLType type, string what)
    {
        switch (type)
        {
            case GraphQLNonNullType nonNull:
                CheckVariable(validation, definition, value, nonNull.Type, what);
                break;
            case GraphQLListType list when value is IEnumerable<object?> items:
                foreach (var item in items)
                {
                    CheckVariable(validation, definition, item, list.Type, what);
                }
                break;
            case GraphQLListType list:
                CheckVariable(validation, definition, value, list.Type, what); // one value stands for a list of one
                break;
            case GraphQLNamedType named:
                Check(validation, definition, value, validation.Schema.AllTypes[named.Name.StringValue], what);
                break;
        }
    }

    /// <summary>Walks a value along a schema type: lists, input objects (field by field), then scalars.</summary>
    private static void Check(ValidationContext validation, GraphQLVariableDefinition definition, object? value, IGraphType? type, string what)
    {
        switch (type)
        {
            case NonNullGraphType nonNull:
                Check(validation, definition, value, nonNull.ResolvedType, what);
                break;
            case ListGraphType list when value is IEnumerable<object?> items:
                foreach (var item in items)
                {
                    Check(validation, definition, item, list.ResolvedType, what);
                }
                break;
            case ListGraphType list:
                Check(validation, definition, value, list.ResolvedType, what);
                break;
            case IInputObjectGraphType input when value is IEnumerable<KeyValuePair<string, object?>> fields:
                foreach (var (name, fieldValue) in fields)
                {
                    // Fields the type does not have are refused by variable coercion; their strings still pass here.
                    Check(validation, definition, fieldValue, input.GetField(name)?.ResolvedType, $"{what} field '{name}'");
                }
                break;
            default:
                if (value is string text && !IdGrammar.IsValid(text, MaxLengthOf(type)))
                {
                    validation.ReportError(new IdGrammarError(validation, definition, what, MaxLengthOf(type)));
                }
                break;
        }
    }

    private static int MaxLengthOf(IGraphType? type) =>
        type?.GetNamedType() is IdGraphType ? Limits.MaxIdLength : IdGrammar.MaxTextLength;
}

/// <summary>The refusal: it names the argument or variable, never quotes the value.</summary>
public sealed class IdGrammarError : ValidationError
{
    public IdGrammarError(ValidationContext context, ASTNode node, string what, int maxLength)
        : base(context.Document.Source, number: null, $"The {what} is not valid: {IdGrammar.Rule(maxLength)}.", node)
    {
        Code = IdGrammarRule.Code;
    }
}
