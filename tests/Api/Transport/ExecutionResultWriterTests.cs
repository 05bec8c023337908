using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using Omni.Api.Transport;

namespace Omni.Tests.Api.Transport;

/// <summary>
/// Issue 13: the API's own result writer answers byte for byte as graphql-dotnet's converter does,
/// for every scalar Omni serializes, for aliases, nulls, lists, errors next to data, and extensions.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class ExecutionResultWriterTests
{
    private static readonly GraphQLSerializer Theirs = new(new ErrorInfoProvider(o => o.ExposeExceptionDetails = false));
    private static readonly GraphQLSerializer Ours = new(json => json.Converters.Add(new ExecutionResultWriter()),
        new ErrorInfoProvider(o => o.ExposeExceptionDetails = false));

    [Theory]
    [InlineData("{ text number big flag money ratio tiny huge negativeZero at atDate id kind missing }")]
    [InlineData("{ a: text b: text c: number text, again: number }")]
    [InlineData("{ items { text number at missing } nested: items { inner: items { kind } } }")]
    [InlineData("{ numbers texts maybe }")]
    [InlineData("{ text boom number items { boom text } }")]
    [InlineData("{ nothing { text } emptyList { text } }")]
    [InlineData("query($n: Int!) { echo(n: $n) }")]
    [InlineData("{ nope }")]
    public async Task The_result_is_written_byte_for_byte_as_graphql_dotnet_writes_it(string query)
    {
        var schema = new Schema { Query = new Query() };
        schema.Initialize();
        for (var round = 0; round < 2; round++) // the second time with every name already encoded
        {
            var result = await new DocumentExecuter().ExecuteAsync(new ExecutionOptions
            {
                Schema = schema,
                Query = query,
                Variables = new Inputs(new Dictionary<string, object?> { ["n"] = 7 }),
            });
            result.Extensions = round == 0 ? null : new Dictionary<string, object?> { ["cost"] = 3, ["note"] = "é<&>" };

            var ours = Ours.Serialize(result);

            Assert.Equal(Theirs.Serialize(result), ours);
            Assert.Contains(result.Executed ? "\"data\":" : "\"errors\":", ours, StringComparison.Ordinal);
        }
    }

    private sealed class Query : ObjectGraphType
    {
        public Query()
        {
            Name = "Query";
            Field<StringGraphType>("text").Resolve(_ => "quote \" backslash \\ tab \t line\u2028 <html> & é 😀 \u0001");
            Field<IntGraphType>("number").Resolve(_ => -42);
            Field<LongGraphType>("big").Resolve(_ => long.MaxValue);
            Field<BooleanGraphType>("flag").Resolve(_ => true);
            Field<DecimalGraphType>("money").Resolve(_ => 1234.5600m);
            Field<FloatGraphType>("ratio").Resolve(_ => 0.1 + 0.2);
            Field<FloatGraphType>("tiny").Resolve(_ => 5e-324);
            Field<FloatGraphType>("huge").Resolve(_ => 1.7976931348623157e308);
            Field<FloatGraphType>("negativeZero").Resolve(_ => -0.0);
            Field<DateTimeGraphType>("at").Resolve(_ => new DateTimeOffset(2026, 12, 1, 1, 2, 3, 456, TimeSpan.FromHours(1)).AddTicks(7));
            Field<DateTimeGraphType>("atDate").Resolve(_ => new DateTime(2026, 12, 1, 1, 2, 3, DateTimeKind.Utc));
            Field<IdGraphType>("id").Resolve(_ => Guid.Parse("6c1f4cde-8a63-4c3b-9d1c-0123456789ab"));
            Field<Kind>("kind").Resolve(_ => KindValue.PICKUP);
            Field<StringGraphType>("missing").Resolve(_ => null);
            Field<StringGraphType>("boom").Resolve(_ => throw new InvalidOperationException("internal detail"));
            Field<ListGraphType<IntGraphType>>("numbers").Resolve(_ => new int?[] { 1, null, 3 });
            Field<ListGraphType<StringGraphType>>("texts").Resolve(_ => new[] { "a", "ü" });
            Field<ListGraphType<StringGraphType>>("maybe").Resolve(_ => null);
            Field<ListGraphType<Query>>("items").Resolve(_ => new object[] { 1, 2 });
            Field<Query>("nothing").Resolve(_ => null);
            Field<ListGraphType<Query>>("emptyList").Resolve(_ => Array.Empty<object>());
            Field<IntGraphType>("echo").Argument<NonNullGraphType<IntGraphType>>("n").Resolve(c => c.GetArgument<int>("n"));
        }
    }

    private enum KindValue
    {
        SHIP,
        PICKUP,
    }

    private sealed class Kind : EnumerationGraphType<KindValue>
    {
    }
}
