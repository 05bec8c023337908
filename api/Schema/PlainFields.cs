using GraphQL;
using GraphQL.Builders;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQLParser.AST;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace Omni.Api.Schema;

/// <summary>
/// Scalar fields that only read a property of their parent: resolved inline, without the
/// per-field context, resolver call and async machinery graphql-dotnet spends on every field. A
/// storefront's <c>availability(sku)</c> is some 230 such fields (33 locations × 7), most of what
/// GraphQL cost on top of the grain call. A field marked <see cref="Plain{TSource,TReturn}"/> keeps
/// its ordinary resolver too, so anything the fast path does not take (an argument, a directive,
/// a failure) runs exactly as before. Inline reads skip field middleware: Omni's schema has none,
/// and a field that needs it must not be marked plain.
/// </summary>
public static class PlainFields
{
    private const string Key = "omni.plain";

    /// <summary>Resolves the field with <paramref name="read"/> of the parent object, and marks it for the fast path.</summary>
    public static FieldBuilder<TSource, TReturn> Plain<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field, Func<TSource, TReturn?> read) =>
        field.Resolve(c => read(c.Source)).WithMetadata(Key, new Reader(source => read((TSource)source)));

    /// <summary>
    /// Resolves <paramref name="node"/> inline when it is a plain scalar field without arguments
    /// or directives under an object, then checks it with <paramref name="strategy"/>'s own rules:
    /// true when done. False (not plain, or it failed: a throwing read, a null for a non-null type)
    /// leaves the node as it was, for the ordinary path to execute and report as graphql-dotnet does.
    /// </summary>
    internal static bool TryResolve(IPlainFieldsStrategy strategy, ExecutionContext context, ExecutionNode node)
    {
        if (node is not ValueExecutionNode leaf || node.Parent is not ObjectExecutionNode { Result: { } source }
            || node.FieldDefinition.GetMetadata<Reader?>(Key) is not { } reader
            || node.Field.Arguments is { Count: > 0 } || node.Field.Directives is { Count: > 0 })
        {
            return false;
        }
        try
        {
            leaf.Result = leaf.GraphType.Serialize(reader.Read(source));
            strategy.Validate(context, leaf);
            return true;
        }
        catch (Exception)
        {
            leaf.Result = null;
            return false;
        }
    }

    private sealed record Reader(Func<object, object?> Read);
}

/// <summary>What <see cref="PlainFields.TryResolve"/> needs of a strategy: its check of a node's result.</summary>
internal interface IPlainFieldsStrategy
{
    void Validate(ExecutionContext context, ExecutionNode node);
}

/// <summary>graphql-dotnet's parallel strategy (queries) with <see cref="PlainFields"/> inline.</summary>
public sealed class PlainFieldsParallelStrategy : ParallelExecutionStrategy, IPlainFieldsStrategy
{
    void IPlainFieldsStrategy.Validate(ExecutionContext context, ExecutionNode node) => ValidateNodeResult(context, node);

    protected override Task ExecuteNodeAsync(ExecutionContext context, ExecutionNode node) =>
        PlainFields.TryResolve(this, context, node) ? Task.CompletedTask : base.ExecuteNodeAsync(context, node);
}

/// <summary>graphql-dotnet's serial strategy (mutations) with <see cref="PlainFields"/> inline.</summary>
public sealed class PlainFieldsSerialStrategy : SerialExecutionStrategy, IPlainFieldsStrategy
{
    void IPlainFieldsStrategy.Validate(ExecutionContext context, ExecutionNode node) => ValidateNodeResult(context, node);

    protected override Task ExecuteNodeAsync(ExecutionContext context, ExecutionNode node) =>
        PlainFields.TryResolve(this, context, node) ? Task.CompletedTask : base.ExecuteNodeAsync(context, node);
}
