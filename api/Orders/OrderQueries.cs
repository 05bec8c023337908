using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Orders;

namespace Omni.Api.Orders;

public static class OrderQueries
{
    public static void AddOrderQueries(this ObjectGraphType query) =>
        query.Field<OrderType>("order")
            .Description("An order by id (null when unknown): a customer's to that customer or ops, an anonymous one by its id.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await Find(c, c.GuidArgument("id")));

    /// <summary>The order if it exists (else null) and the caller may see it (else a GraphQL error).</summary>
    public static async Task<OrderView?> Find(IResolveFieldContext c, Guid? orderId)
    {
        if (orderId is not { } id || await c.Grains().GetGrain<IOrderGrain>(id).Get() is not { } order)
        {
            return null;
        }
        c.Caller().EnsureMayUse(order.CustomerId);
        return order;
    }
}
