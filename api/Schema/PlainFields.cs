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

    /// <summary>
    /// What both strategies build for a field: a <see cref="PlainTreeNode"/> when its whole selection
    /// is plain, else graphql-dotnet's node. (Each strategy's base class differs, so they share this
    /// and <see cref="Execute"/> rather than a base.)
    /// </summary>
    internal static ExecutionNode Build(IPlainFieldsStrategy strategy, ExecutionNode parent, IGraphType graphType, GraphQLField field,
        FieldType definition, int? index) =>
        PlainTreeNode.TryBuild(parent, graphType, field, definition, index) ?? strategy.BuildOrdinary(parent, graphType, field, definition, index);

    /// <summary>How both strategies execute a node: a plain tree, a plain leaf inline, or graphql-dotnet's way.</summary>
    internal static Task Execute(IPlainFieldsStrategy strategy, ExecutionContext context, ExecutionNode node) =>
        node is PlainTreeNode tree ? tree.ExecuteAsync(strategy, context)
        : TryResolve(strategy, context, node) ? Task.CompletedTask
        : strategy.ExecuteAsOrdinary(context, node);

    /// <summary>The field's plain read, or null when it is not plain.</summary>
    internal static Func<object, object?>? ReaderOf(FieldType field) => field.GetMetadata<Reader?>(Key)?.Read;

    private sealed record Reader(Func<object, object?> Read);
}

/// <summary>What the plain paths need of a strategy: its own check of a node's result, node building and execution.</summary>
internal interface IPlainFieldsStrategy
{
    void Validate(ExecutionContext context, ExecutionNode node);

    /// <summary>graphql-dotnet's execution of <paramref name="node"/>, without the plain paths.</summary>
    Task ExecuteAsOrdinary(ExecutionContext context, ExecutionNode node);

    /// <summary>graphql-dotnet's node for a field, never a <see cref="PlainTreeNode"/>.</summary>
    ExecutionNode BuildOrdinary(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType definition, int? index);
}

/// <summary>graphql-dotnet's parallel strategy (queries) with <see cref="PlainFields"/> inline and <see cref="PlainTreeNode"/>s.</summary>
public sealed class PlainFieldsParallelStrategy : ParallelExecutionStrategy, IPlainFieldsStrategy
{
    void IPlainFieldsStrategy.Validate(ExecutionContext context, ExecutionNode node) => ValidateNodeResult(context, node);

    Task IPlainFieldsStrategy.ExecuteAsOrdinary(ExecutionContext context, ExecutionNode node) => base.ExecuteNodeAsync(context, node);

    ExecutionNode IPlainFieldsStrategy.BuildOrdinary(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType definition, int? index) =>
        base.BuildExecutionNode(parent, graphType, field, definition, index);

    protected override ExecutionNode BuildExecutionNode(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType fieldDefinition, int? indexInParentNode = null) =>
        PlainFields.Build(this, parent, graphType, field, fieldDefinition, indexInParentNode);

    protected override Task ExecuteNodeAsync(ExecutionContext context, ExecutionNode node) => PlainFields.Execute(this, context, node);
}

/// <summary>graphql-dotnet's serial strategy (mutations) with <see cref="PlainFields"/> inline and <see cref="PlainTreeNode"/>s.</summary>
public sealed class PlainFieldsSerialStrategy : SerialExecutionStrategy, IPlainFieldsStrategy
{
    void IPlainFieldsStrategy.Validate(ExecutionContext context, ExecutionNode node) => ValidateNodeResult(context, node);

    Task IPlainFieldsStrategy.ExecuteAsOrdinary(ExecutionContext context, ExecutionNode node) => base.ExecuteNodeAsync(context, node);

    ExecutionNode IPlainFieldsStrategy.BuildOrdinary(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType definition, int? index) =>
        base.BuildExecutionNode(parent, graphType, field, definition, index);

    protected override ExecutionNode BuildExecutionNode(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType fieldDefinition, int? indexInParentNode = null) =>
        PlainFields.Build(this, parent, graphType, field, fieldDefinition, indexInParentNode);

    protected override Task ExecuteNodeAsync(ExecutionContext context, ExecutionNode node) => PlainFields.Execute(this, context, node);
}
