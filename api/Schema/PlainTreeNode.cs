using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQLParser.AST;
using Omni.Api.Transport;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace Omni.Api.Schema;

/// <summary>
/// A field that is a plain read and under which everything selected is a plain read too, e.g.
/// <c>availability(sku) { locations { sku storeId onHand reserved safetyStock available version } }</c>:
/// one execution node for the whole selection instead of one per object and per field (33
/// locations × 8 for a storefront's availability). Its values are read and serialized when it
/// executes, into a flat list that <see cref="ExecutionResultWriter"/> writes in the selection's
/// order. Anything the plan cannot promise to answer as graphql-dotnet would (a null where none may
/// be, a read that throws, a value of another type) hands the field back to graphql-dotnet's own
/// nodes, which then answer, and report errors, exactly as they always do.
/// </summary>
public sealed class PlainTreeNode : ExecutionNode
{
    private static readonly ConditionalWeakTable<GraphQLField, PlanEntry> Plans = new();
    private readonly PlainPlan _plan;
    private readonly List<object?> _values = [];

    private PlainTreeNode(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType definition, PlainPlan plan)
        : base(parent, graphType, field, definition, null)
    {
        _plan = plan;
    }

    /// <summary>The node for a plain field with a plain selection under a parent object; null when it is not one.</summary>
    internal static PlainTreeNode? TryBuild(ExecutionNode parent, IGraphType graphType, GraphQLField field, FieldType definition, int? index)
    {
        if (index is not null || parent is not ObjectExecutionNode || field.SelectionSet is null
            || field.Arguments is { Count: > 0 } || field.Directives is { Count: > 0 } || PlainFields.ReaderOf(definition) is null)
        {
            return null;
        }
        var entry = Plans.GetValue(field, f => new PlanEntry(definition, PlainPlan.For(graphType, f.SelectionSet)));
        var plan = entry.Definition == definition ? entry.Plan : PlainPlan.For(graphType, field.SelectionSet);
        return plan is null ? null : new PlainTreeNode(parent, graphType is NonNullGraphType nonNull ? nonNull.ResolvedType! : graphType, field, definition, plan);
    }

    /// <summary>Reads the whole selection; if the plan cannot answer it, graphql-dotnet's own nodes do, in this node's place.</summary>
    internal async Task ExecuteAsync(IPlainFieldsStrategy strategy, ExecutionContext context)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (_plan.Collect(PlainFields.ReaderOf(FieldDefinition)!(Parent!.Result!), _values))
            {
                Result = _values;
                return;
            }
        }
        catch (Exception)
        {
            // Told as graphql-dotnet tells it, below.
        }
        _values.Clear();
        var ordinary = strategy.BuildOrdinary(Parent!, FieldDefinition.ResolvedType!, Field, FieldDefinition, null);
        var siblings = ((ObjectExecutionNode)Parent!).SubFields!;
        siblings[Array.IndexOf(siblings, this)] = ordinary;
        await ExecuteTree(strategy, context, ordinary);
    }

    /// <summary>Executes <paramref name="node"/> and everything under it; plain trees met below take their own path again.</summary>
    private static async Task ExecuteTree(IPlainFieldsStrategy strategy, ExecutionContext context, ExecutionNode node)
    {
        if (node is PlainTreeNode tree)
        {
            await tree.ExecuteAsync(strategy, context);
            return;
        }
        await strategy.ExecuteAsOrdinary(context, node);
        if (node is IParentExecutionNode parent)
        {
            var children = new List<ExecutionNode>();
            parent.ApplyToChildren(static (child, list) => list.Add(child), children);
            foreach (var child in children)
            {
                await ExecuteTree(strategy, context, child);
            }
        }
    }

    /// <summary>Writes the selection's values as graphql-dotnet's nodes would have been written.</summary>
    internal void Write(Utf8JsonWriter writer, JsonSerializerOptions options)
    {
        var at = 0;
        _plan.Write(writer, _values, ref at, options);
    }

    public override object? ToValue()
    {
        if (Result is null)
        {
            return null;
        }
        var at = 0;
        return _plan.ToValue(_values, ref at);
    }

    public override bool PropagateNull() => _values.Count == 0 || _values[0] is null;

    private sealed record PlanEntry(FieldType Definition, PlainPlan? Plan);
}

/// <summary>
/// How a plain selection is read and written. <see cref="Collect"/> appends, depth first: a leaf's
/// serialized value; for an object, a marker (or null) then its fields; for a list, its count (or
/// null) then its items. False when graphql-dotnet's own execution must answer instead.
/// </summary>
internal abstract class PlainPlan
{
    private static readonly object Present = new();

    public abstract bool Collect(object? value, List<object?> values);

    public abstract void Write(Utf8JsonWriter writer, List<object?> values, ref int at, JsonSerializerOptions options);

    public abstract object? ToValue(List<object?> values, ref int at);

    /// <summary>The plan for a value of <paramref name="type"/> with <paramref name="selection"/> under it; null when it is not all plain.</summary>
    public static PlainPlan? For(IGraphType type, GraphQLSelectionSet? selection)
    {
        var nonNull = type is NonNullGraphType;
        var inner = type is NonNullGraphType wrapped ? wrapped.ResolvedType! : type;
        switch (inner)
        {
            case ListGraphType list when list.ResolvedType is { } item && For(item, selection) is ObjectPlan items:
                return new ListPlan(items, nonNull);
            case IObjectGraphType objectType when selection is { Selections.Count: > 0 }:
                return ObjectPlan.For(objectType, selection, nonNull);
            case ScalarGraphType scalar when selection is null:
                return new LeafPlan(scalar, nonNull);
            default:
                return null;
        }
    }

    private sealed class LeafPlan(ScalarGraphType scalar, bool nonNull) : PlainPlan
    {
        public override bool Collect(object? value, List<object?> values)
        {
            var serialized = scalar.Serialize(value);
            values.Add(serialized);
            return serialized is not null || !nonNull;
        }

        public override void Write(Utf8JsonWriter writer, List<object?> values, ref int at, JsonSerializerOptions options) =>
            ExecutionResultWriter.WriteValue(writer, values[at++], options);

        public override object? ToValue(List<object?> values, ref int at) => values[at++];
    }

    private sealed class ListPlan(ObjectPlan item, bool nonNull) : PlainPlan
    {
        public override bool Collect(object? value, List<object?> values)
        {
            if (value is null)
            {
                values.Add(null);
                return !nonNull;
            }
            if (value is not IEnumerable items || value is string)
            {
                return false;
            }
            var countAt = values.Count;
            values.Add(0);
            var count = 0;
            foreach (var one in items)
            {
                if (!item.Collect(one, values))
                {
                    return false;
                }
                count++;
            }
            values[countAt] = count;
            return true;
        }

        public override void Write(Utf8JsonWriter writer, List<object?> values, ref int at, JsonSerializerOptions options)
        {
            if (values[at++] is not int count)
            {
                writer.WriteNullValue();
                return;
            }
            writer.WriteStartArray();
            for (var i = 0; i < count; i++)
            {
                item.Write(writer, values, ref at, options);
            }
            writer.WriteEndArray();
        }

        public override object? ToValue(List<object?> values, ref int at)
        {
            if (values[at++] is not int count)
            {
                return null;
            }
            var list = new List<object?>(count);
            for (var i = 0; i < count; i++)
            {
                list.Add(item.ToValue(values, ref at));
            }
            return list;
        }
    }

    private sealed class ObjectPlan(IObjectGraphType type, bool nonNull, ObjectPlan.Member[] members) : PlainPlan
    {
        public sealed record Member(string Name, JsonEncodedText EncodedName, Func<object, object?> Read, PlainPlan Plan);

        /// <summary>Only fields (no fragments, directives, arguments, __typename), each a plain read, each response name once.</summary>
        public static ObjectPlan? For(IObjectGraphType type, GraphQLSelectionSet selection, bool nonNull)
        {
            var members = new List<Member>(selection.Selections.Count);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in selection.Selections)
            {
                if (node is not GraphQLField { Arguments: null or { Count: 0 }, Directives: null or { Count: 0 } } field)
                {
                    return null;
                }
                var name = (field.Alias?.Name ?? field.Name).StringValue;
                var definition = type.GetField(field.Name.Value);
                if (definition is null || !names.Add(name) || PlainFields.ReaderOf(definition) is not { } read
                    || For(definition.ResolvedType!, field.SelectionSet) is not { } plan)
                {
                    return null;
                }
                members.Add(new Member(name, JsonEncodedText.Encode(name), read, plan));
            }
            return new ObjectPlan(type, nonNull, [.. members]);
        }

        public override bool Collect(object? value, List<object?> values)
        {
            if (value is null)
            {
                values.Add(null);
                return !nonNull;
            }
            if (type.IsTypeOf is { } isTypeOf && !type.SkipTypeCheck && !isTypeOf(value))
            {
                return false;
            }
            values.Add(Present);
            foreach (var member in members)
            {
                if (!member.Plan.Collect(member.Read(value), values))
                {
                    return false;
                }
            }
            return true;
        }

        public override void Write(Utf8JsonWriter writer, List<object?> values, ref int at, JsonSerializerOptions options)
        {
            if (values[at++] is null)
            {
                writer.WriteNullValue();
                return;
            }
            writer.WriteStartObject();
            foreach (var member in members)
            {
                writer.WritePropertyName(member.EncodedName);
                member.Plan.Write(writer, values, ref at, options);
            }
            writer.WriteEndObject();
        }

        public override object? ToValue(List<object?> values, ref int at)
        {
            if (values[at++] is null)
            {
                return null;
            }
            var fields = new Dictionary<string, object?>(members.Length);
            foreach (var member in members)
            {
                fields[member.Name] = member.Plan.ToValue(values, ref at);
            }
            return fields;
        }
    }
}
