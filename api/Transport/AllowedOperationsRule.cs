using GraphQL.Validation;
using GraphQLParser.AST;

namespace Omni.Api.Transport;

/// <summary>
/// Refuses operation types a transport cannot carry: mutations over HTTP GET (a safe method, per the
/// GraphQL over HTTP spec), subscriptions over HTTP at all. The operation to run is only known once
/// graphql-dotnet has parsed the document and picked it by name, which is why this is a validation rule.
/// </summary>
internal sealed class AllowedOperationsRule(params OperationType[] allowed) : ValidationRuleBase, ICachedDocumentCheck
{
    public bool Clears(GraphQLOperationDefinition operation, GraphQL.Inputs? variables) => Array.IndexOf(allowed, operation.Operation) >= 0;

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (Array.IndexOf(allowed, context.Operation.Operation) < 0)
        {
            context.ReportError(new OperationNotAllowedError(context.Document, context.Operation));
        }
        return default;
    }
}

internal sealed class OperationNotAllowedError : ValidationError
{
    public OperationNotAllowedError(GraphQLDocument document, GraphQLOperationDefinition operation)
        : base(document.Source, number: null, Describe(operation.Operation), operation)
    {
        Code = "OPERATION_NOT_ALLOWED";
        OperationType = operation.Operation;
    }

    public OperationType OperationType { get; }

    private static string Describe(OperationType type) => type switch
    {
        OperationType.Mutation => "Mutations are not allowed over HTTP GET; use POST.",
        OperationType.Subscription => "Subscriptions need the graphql-transport-ws WebSocket protocol.",
        _ => $"{type} operations are not allowed on this transport.",
    };
}
