using GraphQL.Types;
using Omni.Api.Carts;
using Omni.Api.Orders;
using Omni.Api.Schema;
using Omni.Api.Sessions;
using Omni.Api.Wallets;
using Omni.Carts;
using Omni.Common;
using Omni.Customers;
using Omni.Orders;
using Omni.Sessions;

namespace Omni.Api.Customers;

public sealed class CustomerType : ObjectGraphType<CustomerView>
{
    public CustomerType()
    {
        Name = "Customer";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<CartType>("cart")
            .Description("The current cart, the same on every channel.")
            .ResolveAsync(async c => await c.Grains().Ref<ICartGrain>(c.Source.CartId).Get());
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SessionType>>>>("sessions")
            .ResolveAsync(async c =>
            {
                var grains = c.Grains();
                var sessions = await Task.WhenAll(c.Source.Sessions.Select(id => grains.Ref<ISessionGrain>(id).Get()));
                return sessions.OfType<SessionView>().ToList();
            });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderType>>>>("orders")
            .ResolveAsync(async c =>
            {
                var grains = c.Grains();
                var orders = await Task.WhenAll(c.Source.Orders.Select(id => grains.Ref<IOrderGrain>(id).Get()));
                return orders.OfType<OrderView>().ToList();
            });
        this.AddProfileFields();
    }
}
