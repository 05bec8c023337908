using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using Omni.Api.Schema;

namespace Omni.Tests.Api;

/// <summary>
/// Issue 13: plain scalar fields resolved inline give the very answer graphql-dotnet's own
/// strategies give (aliases, directives, nulls, a read that throws, a null where none may be,
/// mutations), and the inline path is really taken.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class PlainFieldsTests
{
    private static readonly GraphQLSerializer Json = new();
    private static readonly GraphQLSerializer Ours = new(json => json.Converters.Add(new Omni.Api.Transport.ExecutionResultWriter()));

    [Theory]
    [InlineData("{ item { name count price at maybe } }")]
    [InlineData("{ items { a: name b: name count } more: items { count } }")]
    [InlineData("query($no: Boolean!) { items { name @skip(if: $no) count @include(if: $no) } }")]
    [InlineData("{ items { name broken } }")]
    [InlineData("{ items { name nullWhereNoneMay } }")]
    [InlineData("{ item { greeting(to: \"you\") name } }")]
    [InlineData("mutation { change { name count items { count } } }")]
    [InlineData("{ items { name children { name count at price maybe children { name } } } }")]
    [InlineData("{ items { kids: children { n: name c: count } } }")]
    [InlineData("{ items { children { name nullWhereNoneMay } } }")]
    [InlineData("{ items { name strictChildren { name } } }")]
    [InlineData("{ items { strictChildren { name children { name children { count } } } } }")]
    [InlineData("mutation { change { strictChildren { name children { name } } } }")]
    [InlineData("{ item { mixed { name broken children { name children { count } } } } }")]
    [InlineData("{ items { children { ... on Item { name } } } }")]
    [InlineData("{ items { children { name name count } } }")]
    [InlineData("{ items { children { __typename name } } }")]
    [InlineData("{ items { children { greeting(to: \"a\") } } }")]
    [InlineData("{ items { wrongType { name } } }")]
    [InlineData("{ items { children { broken } } }")]
    [InlineData("mutation { change { children { name children { count } } } }")]
    public async Task Inline_answers_are_the_same_as_graphql_dotnets(string query)
    {
        var theirs = await Run(query, inline: false);
        var ours = await Run(query, inline: true);

        Assert.Equal(Json.Serialize(theirs.Result), Ours.Serialize(ours.Result));
        Assert.Equal(Json.Serialize(theirs.Result), Json.Serialize(ours.Result));
    }

    [Fact]
    public async Task A_plain_selection_under_a_plain_field_is_one_node_and_read_once()
    {
        var theirs = await Run("{ items { children { name count children { name } } } }", inline: false);
        var ours = await Run("{ items { children { name count children { name } } } }", inline: true);

        // graphql-dotnet: items (1), each item's children (3), name, count and children of the three
        // children (9), the one grandchild's name (1). Inline: items alone.
        Assert.Equal(14, theirs.Resolved);
        Assert.Equal(1, ours.Resolved);
    }

    [Fact]
    public async Task Plain_fields_skip_the_resolver_pipeline_and_others_do_not()
    {
        var theirs = await Run("{ items { name count greeting(to: \"x\") } }", inline: false);
        var ours = await Run("{ items { name count greeting(to: \"x\") } }", inline: true);

        // Three items: graphql-dotnet runs 1 + 3 × 3 resolvers through the pipeline; inline, only 1 + 3 (greeting).
        Assert.Equal(10, theirs.Resolved);
        Assert.Equal(4, ours.Resolved);
    }

    private static Task<(ExecutionResult Result, int Resolved)> Run(string query, bool inline) =>
        PlainFieldsExecution.Run(new Schema { Query = new Query(), Mutation = new Mutation() }, query,
            new Inputs(new Dictionary<string, object?> { ["no"] = true }), plain: inline);

    private sealed record Item(string Name, int Count, decimal Price, DateTimeOffset At, string? Maybe, Item?[]? Children = null);

    private static readonly Item Leaf = new("leaf", 7, 0.1m, DateTimeOffset.UnixEpoch, null);

    // A read of "broken" throws for the second: the list's plan hands it back, and its children's plan runs again below.
    private static readonly Item[] Mixed = [Leaf, new("negative", -1, 1m, DateTimeOffset.UnixEpoch, null, [Leaf, new("inner", 3, 0m, DateTimeOffset.UnixEpoch, null, [Leaf])])];

    private static readonly Item[] Items =
    [
        new("first", 1, 1.50m, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), null, [Leaf, new("inner", 2, 2m, DateTimeOffset.UnixEpoch, "x", [Leaf])]),
        new("second \"quoted\"", 2, 0m, new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.FromHours(2)), "yes", [Leaf, null]),
        new("third", -3, 99.999m, DateTimeOffset.MinValue, "", null),
    ];

    private sealed class ItemType : ObjectGraphType<Item>
    {
        public ItemType()
        {
            Name = "Item";
            Field<NonNullGraphType<StringGraphType>>("name").Plain(s => s.Name);
            Field<NonNullGraphType<IntGraphType>>("count").Plain(s => s.Count);
            Field<NonNullGraphType<DecimalGraphType>>("price").Plain(s => s.Price);
            Field<NonNullGraphType<DateTimeOffsetGraphType>>("at").Plain(s => s.At);
            Field<StringGraphType>("maybe").Plain(s => s.Maybe);
            Field<IntGraphType>("broken").Plain(s => s.Count < 0 ? throw new InvalidOperationException("read failed") : s.Count);
            Field<NonNullGraphType<StringGraphType>>("nullWhereNoneMay").Plain(s => s.Maybe);
            Field<StringGraphType>("greeting").Argument<StringGraphType>("to").Resolve(c => $"hello {c.GetArgument<string>("to")} from {c.Source.Name}");
            Field<ListGraphType<ItemType>>("children").Plain(s => s.Children);
            Field<NonNullGraphType<ListGraphType<NonNullGraphType<ItemType>>>>("strictChildren").Plain(s => s.Children);
            Field<ListGraphType<ItemType>>("wrongType").Plain(s => new object[] { "not an item" });
            Field<ListGraphType<ItemType>>("mixed").Plain(s => Mixed);
        }
    }

    private sealed class Query : ObjectGraphType
    {
        public Query()
        {
            Name = "Query";
            Field<ItemType>("item").Resolve(_ => Items[1]);
            Field<ListGraphType<ItemType>>("items").Resolve(_ => Items);
        }
    }

    private sealed class Mutation : ObjectGraphType
    {
        public Mutation()
        {
            Name = "Mutation";
            Field<ChangeType>("change").Resolve(_ => Items[0]);
        }
    }

    private sealed class ChangeType : ObjectGraphType<Item>
    {
        public ChangeType()
        {
            Name = "Change";
            Field<StringGraphType>("name").Plain(s => s.Name);
            Field<IntGraphType>("count").Plain(s => s.Count);
            Field<ListGraphType<ItemType>>("items").Resolve(_ => Items);
            Field<ListGraphType<ItemType>>("children").Plain(s => s.Children);
            Field<NonNullGraphType<ListGraphType<NonNullGraphType<ItemType>>>>("strictChildren").Plain(s => Items[1].Children);
        }
    }
}
