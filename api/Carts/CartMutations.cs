using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Api.Sessions;
using Omni.Carts;
using Omni.Sessions;

namespace Omni.Api.Carts;

public static class CartMutations
{
    public static void AddCartMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<CartPayloadType>>("addCartLine")
            .Description("Adds quantity to the line for (sku, fulfillment), creating it if needed, and holds its stock until reservedUntil.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("quantity")
            .Argument<FulfillmentInputType>("fulfillment")
            .Argument<IdGraphType>("sessionId")
            .Argument<IntGraphType>("expectedVersion")
            .ResolveAsync(async c => await Change(c, (cart, context) => cart.AddLine(
                c.GetArgument<string>("sku"), c.GetArgument<int>("quantity"),
                c.GetArgument<Fulfillment?>("fulfillment") ?? Fulfillment.Ship, context)));

        mutation.Field<NonNullGraphType<CartPayloadType>>("setCartLineQuantity")
            .Description("Sets a line's quantity; 0 removes the line.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId")
            .Argument<NonNullGraphType<IdGraphType>>("lineId")
            .Argument<NonNullGraphType<IntGraphType>>("quantity")
            .Argument<IdGraphType>("sessionId")
            .Argument<IntGraphType>("expectedVersion")
            .ResolveAsync(async c => await Change(c, (cart, context) => cart.SetLineQuantity(
                c.GetArgument<string>("lineId"), c.GetArgument<int>("quantity"), context)));

        mutation.Field<NonNullGraphType<CartPayloadType>>("removeCartLine")
            .Argument<NonNullGraphType<IdGraphType>>("cartId")
            .Argument<NonNullGraphType<IdGraphType>>("lineId")
            .Argument<IdGraphType>("sessionId")
            .Argument<IntGraphType>("expectedVersion")
            .ResolveAsync(async c => await Change(c, (cart, context) => cart.RemoveLine(c.GetArgument<string>("lineId"), context)));

        mutation.Field<NonNullGraphType<CheckoutPayloadType>>("checkout")
            .Description("Turns the cart's holds into an order; a retry with the same idempotencyKey returns the same order.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId")
            .Argument<NonNullGraphType<IdGraphType>>("idempotencyKey")
            .ResolveAsync(async c =>
            {
                if (await CartQueries.Find(c, c.GuidArgument("cartId")) is not { } cart)
                {
                    return new CheckoutResult(null, null, [NoCart(c)]);
                }
                return await c.Grains().GetGrain<ICartGrain>(cart.Id).Checkout(c.GetArgument<string>("idempotencyKey"), null);
            });
    }

    /// <summary>
    /// The common path of a cart change: the cart must exist and be the caller's to change; a
    /// session, when named, must be the caller's too and lends the change its channel.
    /// </summary>
    private static async Task<CartResult> Change(IResolveFieldContext c, Func<ICartGrain, ChangeContext, Task<CartResult>> change)
    {
        var sessionId = c.GetArgument<string?>("sessionId");
        var cartTask = CartQueries.Find(c, c.GuidArgument("cartId"));
        var sessionTask = sessionId is null ? Task.FromResult<SessionView?>(null) : SessionQueries.Find(c, sessionId);
        try
        {
            await Task.WhenAll(cartTask, sessionTask);
        }
        catch (Exception)
        {
            // Both reads run at once; their failures are raised below, cart first.
        }
        if (await cartTask is not { } cart)
        {
            return CartResult.Fail(null, NoCart(c));
        }
        Channel? channel = null;
        if (sessionId is not null)
        {
            if (await sessionTask is not { } session)
            {
                return CartResult.Fail(cart, UserError.NotFound("sessionId", $"no session '{sessionId}'"));
            }
            channel = session.Channel;
            c.Grains().GetGrain<ISessionGrain>(sessionId).Touch().Ignore();
        }
        var expectedVersion = c.GetArgument<int?>("expectedVersion");
        return await change(c.Grains().GetGrain<ICartGrain>(cart.Id), new ChangeContext(channel, expectedVersion));
    }

    private static UserError NoCart(IResolveFieldContext c) =>
        UserError.NotFound("cartId", $"no cart '{c.GetArgument<string>("cartId")}'");
}
