using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Omni.Api.Schema;

namespace Omni.Tests.Api;

/// <summary>
/// Runs one document through graphql-dotnet's own strategies or through Omni's plain-field
/// strategies (<see cref="PlainFieldsParallelStrategy"/>, <see cref="PlainFieldsSerialStrategy"/>),
/// counting the resolvers that went through the field pipeline, so tests can compare both.
/// </summary>
internal static class PlainFieldsExecution
{
    /// <param name="schema">a schema not yet initialized: the resolver count is added to it</param>
    public static async Task<(ExecutionResult Result, int Resolved)> Run(Schema schema, string document, Inputs variables, bool plain)
    {
        var resolved = 0;
        schema.FieldMiddleware.Use(next => context =>
        {
            Interlocked.Increment(ref resolved);
            return next(context);
        });
        schema.Initialize();
        var executer = plain
            ? new DocumentExecuter(new GraphQLDocumentBuilder(), new DocumentValidator(), new Strategies(), [])
            : new DocumentExecuter();
        var result = await executer.ExecuteAsync(new ExecutionOptions { Schema = schema, Query = document, Variables = variables });
        return (result, resolved);
    }

    private sealed class Strategies : IExecutionStrategySelector
    {
        public IExecutionStrategy Select(GraphQL.Execution.ExecutionContext context) =>
            context.Operation.Operation == OperationType.Mutation ? new PlainFieldsSerialStrategy() : new PlainFieldsParallelStrategy();
    }
}
