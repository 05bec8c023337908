using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Orders;

namespace Omni.Api.Orders;

public static class OrderQueries
{
    public const int MaxQueuePage = 200;

    public static void AddOrderQueries(this ObjectGraphType query)
    {
        query.Field<OrderType>("order")
            .Description("An order by id (null when unknown): a customer's to that customer or ops, staff of a store it has a fulfillment or a return at, an anonymous one by its id.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await Find(c, c.GuidArgument("id")));

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderType>>>>("pickupOrders")
            .Description($"The store's pickup queue: orders with a pickup there in that status, oldest first (staff of that store, or ops); first is 1 to {MaxQueuePage}.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<FulfillmentStatusType>("status", a => a.DefaultValue = FulfillmentStatus.READY_FOR_PICKUP)
            .Argument<NonNullGraphType<IntGraphType>>("first", a => a.DefaultValue = 50)
            // One call to one grain that holds the page in memory, at most MaxQueuePage orders of
            // bounded size: a counter screen asks for its whole queue with every fulfillment at once.
            .WithComplexityImpact(fieldImpact: 1, childImpactMultiplier: 10)
            .ResolveAsync(async c =>
            {
                var storeId = c.GetArgument<string>("storeId");
                c.Caller().EnsureStaffOf(storeId);
                var first = c.GetArgument<int>("first");
                if (first is < 1 or > MaxQueuePage)
                {
                    throw Refusals.InvalidArgument($"first must be between 1 and {MaxQueuePage}, not {first}");
                }
                return await c.Grains().Ref<IPickupQueueGrain>(storeId).List(c.GetArgument<FulfillmentStatus?>("status"), first);
            });
    }

    /// <summary>The order if it exists (else null) and the caller may see it (else a GraphQL error).</summary>
    public static async Task<OrderView?> Find(IResolveFieldContext c, Guid? orderId)
    {
        if (orderId is not { } id || await c.Grains().Ref<IOrderGrain>(id).Get() is not { } order)
        {
            return null;
        }
        c.Caller().EnsureMayRead(order);
        return order;
    }
}
