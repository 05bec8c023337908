using GraphQL.Types;
using Omni.Api.Carts;
using Omni.Api.Schema;
using Omni.Orders;

namespace Omni.Api.Orders;

public sealed class OrderStatusType : EnumerationGraphType<OrderStatus>
{
    public OrderStatusType() => Name = "OrderStatus";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class OrderLineType : ObjectGraphType<OrderLine>
{
    public OrderLineType()
    {
        Name = "OrderLine";
        Field<NonNullGraphType<IdGraphType>>("sku").Resolve(c => c.Source.Sku);
        Field<NonNullGraphType<IntGraphType>>("quantity").Resolve(c => c.Source.Quantity);
        Field<NonNullGraphType<FulfillmentKindType>>("fulfillment").Resolve(c => c.Source.Fulfillment);
        Field<NonNullGraphType<IdGraphType>>("storeId").Resolve(c => c.Source.StoreId);
        Field<NonNullGraphType<FloatGraphType>>("unitPrice").Resolve(c => (double)c.Source.UnitPrice);
    }
}

public sealed class OrderType : ObjectGraphType<OrderView>
{
    public OrderType()
    {
        Name = "Order";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString("D"));
        Field<NonNullGraphType<IdGraphType>>("cartId").Resolve(c => c.Source.CartId.ToString("D"));
        Field<IdGraphType>("customerId").Resolve(c => c.Source.CustomerId);
        Field<NonNullGraphType<OrderStatusType>>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderLineType>>>>("lines").Resolve(c => c.Source.Lines);
        Field<NonNullGraphType<FloatGraphType>>("total").Resolve(c => (double)c.Source.Total);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("placedAt").Resolve(c => c.Source.PlacedAt);
        Field<NonNullGraphType<StringGraphType>>("currency").Resolve(c => c.Source.Currency);
        Field<NonNullGraphType<IntGraphType>>("version")
            .Description("Bumped by every change; orderUpdated delivers versions in order.")
            .Resolve(c => checked((int)c.Source.Version));
    }
}

public sealed class OrderPayloadType : ObjectGraphType<OrderResult>
{
    public OrderPayloadType()
    {
        Name = "OrderPayload";
        Field<OrderType>("order").Resolve(c => c.Source.Order);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}
