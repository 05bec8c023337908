using GraphQL;
using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Orders;

namespace Omni.Api.Orders;

public static class OrderMutations
{
    public static void AddOrderMutations(this ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<OrderPayloadType>>("cancelOrder")
            .Description("Cancels an order and returns its units to stock where they were taken.")
            .Argument<NonNullGraphType<IdGraphType>>("orderId")
            .ResolveAsync(async c => await OrderQueries.Find(c, c.GuidArgument("orderId")) is { } order
                ? await c.Grains().GetGrain<IOrderGrain>(order.Id).Cancel()
                : new OrderResult(null, [UserError.NotFound("orderId", $"no order '{c.GetArgument<string>("orderId")}'")]));
}
