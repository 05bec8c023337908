using GraphQL;
using GraphQL.Types;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Orders;

namespace Omni.Api.Orders;

public static class OrderSubscriptions
{
    public static void AddOrderSubscriptions(this ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<OrderType>, OrderView>("orderUpdated")
            .Description("The order now, then every change to it, in version order.")
            .Argument<NonNullGraphType<IdGraphType>>("orderId")
            .Resolve(c => (OrderView?)c.Source)
            .ResolveStreamAsync(async c =>
            {
                var order = await OrderQueries.Find(c, c.GuidArgument("orderId"))
                    ?? throw Refusals.NotFound($"no order '{c.GetArgument<string>("orderId")}'");
                return c.Service<OrderFeed>().Watch(OrderFeed.KeyOf(order.Id), order);
            });
}
