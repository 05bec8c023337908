using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Catalog;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Common;

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
            .ResolveAsync(async c =>
            {
                var sku = c.GetArgument<string>("sku");
                // A made-up SKU is answered here, from what this node knows exists, so that it
                // never activates a product grain (issue 12 item 1); the cart checks real ones.
                if (!await c.Service<CatalogMembership>().IsKnownSku(sku))
                {
                    return CartResult.Fail(null, UserError.NotFound("sku", $"no product '{sku}'"));
                }
                return await Change(c, (cart, context) => cart.AddLine(
                    sku, c.GetArgument<int>("quantity"), c.GetArgument<Fulfillment?>("fulfillment") ?? Fulfillment.Ship, context));
            });

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
                if (c.GuidArgument("cartId") is not { } cartId)
                {
                    return new CheckoutResult(null, null, [NoCart(c)]);
                }
                var result = await c.Grains().Ref<ICartGrain>(cartId).Checkout(c.GetArgument<string>("idempotencyKey"), null, Actor(c));
                return result.Denied ? throw Refused(c) : result;
            });
    }

    /// <summary>
    /// The common path of a cart change: one call to the cart grain, which checks that the cart
    /// (and the session, when named) is the caller's and takes the session's channel itself.
    /// </summary>
    private static async Task<CartResult> Change(IResolveFieldContext c, Func<ICartGrain, ChangeContext, Task<CartResult>> change)
    {
        if (c.GuidArgument("cartId") is not { } cartId)
        {
            return CartResult.Fail(null, NoCart(c));
        }
        var sessionId = c.GetArgument<string?>("sessionId");
        if (sessionId is { Length: 0 or > Limits.MaxIdLength })
        {
            return CartResult.Fail(null, UserError.NotFound("sessionId", $"no session '{sessionId}'"));
        }
        var context = new ChangeContext(null, c.GetArgument<int?>("expectedVersion"), sessionId, Actor(c), c.Client());
        var result = await change(c.Grains().Ref<ICartGrain>(cartId), context);
        return result.Denied ? throw Refused(c) : result;
    }

    private static Actor Actor(IResolveFieldContext c) => ActorOf(c.Caller());

    /// <summary>The caller as the cart grain checks it: a customer, ops, or anonymous.</summary>
    internal static Actor ActorOf(Caller caller) =>
        caller switch
        {
            { IsOps: true } => new Actor(null, Ops: true),
            { Role: Role.CUSTOMER, CustomerId: { } customerId } => new Actor(customerId),
            _ => Omni.Carts.Actor.Anonymous,
        };

    private static GraphQL.ExecutionError Refused(IResolveFieldContext c) =>
        c.Caller().IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();

    private static UserError NoCart(IResolveFieldContext c) =>
        UserError.NotFound("cartId", $"no cart '{c.GetArgument<string>("cartId")}'");
}
