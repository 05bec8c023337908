using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Common;

namespace Omni.Api.Carts;

public static class CartQueries
{
    public static void AddCartQueries(this ObjectGraphType query) =>
        query.Field<CartType>("cart")
            .Description("A cart by id (null when unknown): an anonymous one to whoever knows the id, a customer's to that customer or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await Find(c, c.GuidArgument("id")));

    /// <summary>The cart if it exists (else null) and the caller may use it (else a GraphQL error).</summary>
    public static async Task<CartView?> Find(IResolveFieldContext c, Guid? cartId)
    {
        if (cartId is not { } id || await c.Grains().Ref<ICartGrain>(id).Get() is not { } cart)
        {
            return null;
        }
        c.Caller().EnsureMayUse(cart.CustomerId);
        return cart;
    }
}
