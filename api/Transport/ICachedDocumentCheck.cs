using GraphQL;
using GraphQLParser.AST;

namespace Omni.Api.Transport;

/// <summary>
/// A validation rule that runs on cached documents too, and can tell without walking the document
/// that it has nothing to report for this request. When every such rule of a request says so,
/// <see cref="GraphQLDocumentCache"/> runs the cached document without validation rules, and
/// graphql-dotnet skips its walk of the document (variables are still coerced and arguments
/// parsed). When one cannot tell, every rule runs as usual and reports what it finds.
/// </summary>
public interface ICachedDocumentCheck
{
    /// <summary>True only when the rule would report nothing for <paramref name="operation"/> of a document that passed it before.</summary>
    bool Clears(GraphQLOperationDefinition operation, Inputs? variables);
}
