using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Common;
using Omni.Customers;

namespace Omni.Api.Carts;

public static class CartSubscriptions
{
    public static void AddCartSubscriptions(this ObjectGraphType subscription)
    {
        subscription.Field<NonNullGraphType<CartType>, CartView>("cartUpdated")
            .Description("The cart now, then every change to it from any channel, in version order.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId")
            .Resolve(c => (CartView?)c.Source)
            .ResolveStreamAsync(async c =>
            {
                var cart = await CartQueries.Find(c, c.GuidArgument("cartId"))
                    ?? throw Refusals.NotFound($"no cart '{c.GetArgument<string>("cartId")}'");
                return c.Service<CartFeed>().Watch(CartFeed.KeyOf(cart.Id), cart);
            });

        subscription.Field<NonNullGraphType<CartType>, CartView>("myCartUpdated")
            .Description("The signed-in customer's current cart (customer token), followed to the next cart after a checkout.")
            .Resolve(c => (CartView?)c.Source)
            .ResolveStreamAsync(async c =>
            {
                var customerId = c.Caller().EnsureCustomer();
                var grains = c.Grains();
                var customer = await grains.Ref<ICustomerGrain>(customerId).Get();
                var cart = await grains.Ref<ICartGrain>(customer.CartId).Get()
                    ?? throw Refusals.NotFound("the customer's cart is not open yet; try again");
                return new CustomerCartStream(c.Service<CartFeed>(), grains, customerId, cart);
            });
    }
}
