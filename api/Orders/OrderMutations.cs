using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Orders;

namespace Omni.Api.Orders;

public static class OrderMutations
{
    public static void AddOrderMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<OrderPayloadType>>("cancelOrder")
            .Description("Cancels an order and returns its units to stock where they were taken.")
            .Argument<NonNullGraphType<IdGraphType>>("orderId")
            .ResolveAsync(async c => await OrderQueries.Find(c, c.GuidArgument("orderId")) is { } order
                ? await c.Grains().Ref<IOrderGrain>(order.Id).Cancel()
                : NoOrder(c));

        mutation.FulfillmentMove("markReadyForPickup", "A pickup is prepared: the customer may come until collectBy (staff of its store, or ops).",
            (grain, id) => grain.MarkReadyForPickup(id));
        mutation.FulfillmentMove("confirmPickup", "A ready pickup is handed over (staff of its store, or ops).",
            (grain, id) => grain.ConfirmPickup(id));
        mutation.FulfillmentMove("markShipped", "A delivery left its location (staff of that location, or ops).",
            (grain, id) => grain.MarkShipped(id));

        mutation.Field<NonNullGraphType<OrderPayloadType>>("returnOrderLines")
            .Description("Units of a collected or shipped order taken back at any store into its on-hand, with the refund recorded on the order (staff of that store, or ops); returnId makes it idempotent.")
            .Argument<NonNullGraphType<IdGraphType>>("orderId")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("returnId")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<ReturnLineInputType>>>>("lines")
            .Argument<StringGraphType>("reason")
            .ResolveAsync(async c =>
            {
                var storeId = c.GetArgument<string>("storeId");
                c.Caller().EnsureStaffOf(storeId);
                // Staff taking a return may act on an order they could not read before: the return makes it theirs to see.
                if (c.GuidArgument("orderId") is not { } id || await c.Grains().Ref<IOrderGrain>(id).Get() is not { } order)
                {
                    return NoOrder(c);
                }
                return await c.Grains().Ref<IOrderGrain>(order.Id).ReturnLines(
                    c.GetArgument<string>("returnId"), storeId, c.GetArgument<List<ReturnRequestLine>>("lines") ?? [], c.GetArgument<string?>("reason"));
            });
    }

    /// <summary>A move of one fulfillment: allowed to staff of the fulfillment's location, or ops.</summary>
    private static void FulfillmentMove(this ObjectGraphType mutation, string name, string description, Func<IOrderGrain, string, Task<OrderResult>> move) =>
        mutation.Field<NonNullGraphType<OrderPayloadType>>(name)
            .Description(description + " Repeating it in the state it leads to changes nothing.")
            .Argument<NonNullGraphType<IdGraphType>>("orderId")
            .Argument<NonNullGraphType<IdGraphType>>("fulfillmentId")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                if (!caller.IsOps && caller.Role != Role.STAFF)
                {
                    throw caller.IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();
                }
                if (c.GuidArgument("orderId") is not { } id || await c.Grains().Ref<IOrderGrain>(id).Get() is not { } order)
                {
                    return NoOrder(c);
                }
                var fulfillmentId = c.GetArgument<string>("fulfillmentId");
                if (order.Fulfillments.FirstOrDefault(f => f.Id == fulfillmentId) is not { } fulfillment)
                {
                    caller.EnsureMayRead(order);
                    return new OrderResult(order, [UserError.NotFound("fulfillmentId", $"the order has no fulfillment '{fulfillmentId}'")]);
                }
                caller.EnsureStaffOf(fulfillment.StoreId);
                return await move(c.Grains().Ref<IOrderGrain>(order.Id), fulfillmentId);
            });

    private static OrderResult NoOrder(IResolveFieldContext c) =>
        new(null, [UserError.NotFound("orderId", $"no order '{c.GetArgument<string>("orderId")}'")]);
}
