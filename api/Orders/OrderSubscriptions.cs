using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Orders;

namespace Omni.Api.Orders;

public static class OrderSubscriptions
{
    public static void AddOrderSubscriptions(this ObjectGraphType subscription)
    {
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

        subscription.Field<NonNullGraphType<OrderType>, object>("pickupQueueUpdated")
            .Description("Every change to an order with a pickup at the store (staff of that store, or ops): the screen behind the pickup counter. Starts with the queue's last change.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Resolve(c => ((PickupQueueChange)c.Source!).Order)
            .ResolveStream(c =>
            {
                var storeId = c.GetArgument<string>("storeId");
                c.Caller().EnsureStaffOf(storeId);
                // The stream carries the queue's changes (versioned by the queue); each event is the order.
                return c.Service<PickupQueueFeed>().Watch(storeId);
            });
    }
}
