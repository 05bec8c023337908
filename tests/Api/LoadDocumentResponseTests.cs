using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using Omni.Api.Carts;
using Omni.Api.Inventory;
using Omni.Api.Schema;
using Omni.Api.Transport;
using Omni.Carts;
using Omni.Inventory;
using Omni.LoadTests.GraphQL;

namespace Omni.Tests.Api;

/// <summary>
/// Issue 13: the load tests' own documents, over Omni's own result types, answer byte for byte
/// the same through the API's execution (plain fields, plain trees, its result writer) as through
/// graphql-dotnet's strategies and converter, for successes and refusals alike.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class LoadDocumentResponseTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 2, 3, 4, 567, TimeSpan.Zero);
    private static readonly StockLevel Level = new("SKU-1", "w1", 40, 3, 2, 17, At);

    public static TheoryData<string, string> Documents() => new()
    {
        { "availability", Omni.LoadTests.GraphQL.Documents.Availability },
        { "reserved", Omni.LoadTests.GraphQL.Documents.ReserveStock },
        { "refused", Omni.LoadTests.GraphQL.Documents.ReserveStock },
        { "added", Omni.LoadTests.GraphQL.Documents.AddCartLine },
        { "notAdded", Omni.LoadTests.GraphQL.Documents.AddCartLine },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task A_load_test_document_answers_byte_for_byte_as_graphql_dotnet_would(string outcome, string document)
    {
        var (theirs, resolvedByThem) = await Run(outcome, document, ours: false);
        var (ours, resolvedByUs) = await Run(outcome, document, ours: true);

        Assert.Equal(theirs, ours);
        Assert.Contains("\"data\":{", ours, StringComparison.Ordinal);
        // The fast paths were taken: every field under the root field is a plain read, so only the root resolver ran.
        Assert.Equal(1, resolvedByUs);
        Assert.True(resolvedByThem > 5, $"{resolvedByThem} resolvers ran without the fast paths");
    }

    private static async Task<(string Json, int Resolved)> Run(string outcome, string document, bool ours)
    {
        var (result, resolved) = await PlainFieldsExecution.Run(new Schema { Query = new Query(), Mutation = new Mutation(outcome) }, document,
            new Inputs(new Dictionary<string, object?>
            {
                ["sku"] = "SKU-1", ["storeId"] = "w1", ["quantity"] = 1, ["reservationId"] = "r-1", ["ttlSeconds"] = 60,
                ["cartId"] = Guid.Empty.ToString(), ["fulfillment"] = new Dictionary<string, object?> { ["kind"] = "PICKUP", ["storeId"] = "s1" },
            }), plain: ours);
        var serializer = ours ? new GraphQLSerializer(json => json.Converters.Add(new ExecutionResultWriter())) : new GraphQLSerializer();
        return (serializer.Serialize(result), resolved);
    }

    private sealed class Query : ObjectGraphType
    {
        public Query()
        {
            Name = "Query";
            Field<AvailabilityType>("availability").Argument<NonNullGraphType<IdGraphType>>("sku")
                .Resolve(_ => new Availability("SKU-1", 35, 60,
                    [Level, Level with { StoreId = "s1", OnHand = 0, Reserved = 0 }, Level with { StoreId = "s\"2<é>", SafetyStock = 50 }]));
        }
    }

    private sealed class Mutation : ObjectGraphType
    {
        public Mutation(string outcome)
        {
            Name = "Mutation";
            Field<NonNullGraphType<ReservationPayloadType>>("reserveStock")
                .Argument<NonNullGraphType<IdGraphType>>("storeId").Argument<NonNullGraphType<IdGraphType>>("sku")
                .Argument<NonNullGraphType<IntGraphType>>("quantity").Argument<NonNullGraphType<IdGraphType>>("reservationId")
                .Argument<IntGraphType>("ttlSeconds")
                .Resolve(_ => outcome == "refused"
                    ? ReservationPayload.Refused(new UserError(ErrorCode.INSUFFICIENT_STOCK, "only 0 of SKU-1 at w1 \"now\"", "quantity"))
                    : ReservationPayload.From(new StockResult(Level, new Reservation("r-1", "SKU-1", "w1", 1, At.AddMinutes(1), "pos:w1"))));
            Field<NonNullGraphType<CartPayloadType>>("addCartLine")
                .Argument<NonNullGraphType<IdGraphType>>("cartId").Argument<NonNullGraphType<IdGraphType>>("sku")
                .Argument<NonNullGraphType<IntGraphType>>("quantity").Argument<FulfillmentInputType>("fulfillment").Argument<IdGraphType>("sessionId")
                .Resolve(_ =>
                {
                    var cart = new CartView(Guid.Empty, null, 4,
                        [new CartLine("l1", "SKU-1", 2, FulfillmentKind.PICKUP, "s1", "r-1", At, 9.99m, "EUR", At),
                         new CartLine("l2", "SKU-2", 1, FulfillmentKind.SHIP, null, null, null, 1m, "EUR")],
                        "EUR", false, At, Channel.WEB);
                    return outcome == "notAdded"
                        ? CartResult.Fail(cart, UserError.InvalidArgument("quantity", "a line holds at most 99 units"))
                        : CartResult.Ok(cart);
                });
        }
    }
}
