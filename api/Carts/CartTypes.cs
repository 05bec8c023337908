using GraphQL.Types;
using Omni.Api.Catalog;
using Omni.Api.Orders;
using Omni.Api.Schema;
using Omni.Api.Sessions;
using Omni.Carts;

namespace Omni.Api.Carts;

public sealed class FulfillmentKindType : EnumerationGraphType<FulfillmentKind>
{
    public FulfillmentKindType() => Name = "FulfillmentKind";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class FulfillmentInputType : InputObjectGraphType<Fulfillment>
{
    public FulfillmentInputType()
    {
        Name = "FulfillmentInput";
        Field<NonNullGraphType<FulfillmentKindType>>("kind");
        Field<IdGraphType>("storeId").Description("Required for PICKUP; for SHIP the API picks a location that ships online.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new Fulfillment((FulfillmentKind)value["kind"]!, value.TryGetValue("storeId", out var storeId) ? storeId as string : null);
}

public sealed class CartLineType : ObjectGraphType<CartLine>
{
    public CartLineType()
    {
        Name = "CartLine";
        Field<NonNullGraphType<IdGraphType>>("id").Plain(s => s.Id);
        Field<NonNullGraphType<IdGraphType>>("sku").Plain(s => s.Sku);
        // Batched: a cart's lines ask for their products in one parallel fan-out.
        Field<ProductType>("product").Resolve(c => c.Service<ProductLoader>().Load(c.Source.Sku));
        Field<NonNullGraphType<IntGraphType>>("quantity").Plain(s => s.Quantity);
        Field<NonNullGraphType<FulfillmentKindType>>("fulfillment").Plain(s => s.Fulfillment);
        Field<IdGraphType>("storeId").Description("The location that holds the stock for this line.").Plain(s => s.StoreId);
        Field<IdGraphType>("reservationId").Plain(s => s.ReservationId);
        Field<UtcDateTimeGraphType>("reservedUntil").Plain(s => s.ReservedUntil);
        Field<NonNullGraphType<FloatGraphType>>("lineTotal").Plain(s => (double)s.LineTotal);
    }
}

public sealed class CartType : ObjectGraphType<CartView>
{
    public CartType()
    {
        Name = "Cart";
        Field<NonNullGraphType<IdGraphType>>("id").Plain(s => s.Id.ToString("D"));
        Field<IdGraphType>("customerId").Plain(s => s.CustomerId);
        Field<NonNullGraphType<IntGraphType>>("version").Plain(s => checked((int)s.Version));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CartLineType>>>>("lines").Plain(s => s.Lines);
        Field<NonNullGraphType<IntGraphType>>("itemCount").Plain(s => s.ItemCount);
        Field<NonNullGraphType<FloatGraphType>>("subtotal").Plain(s => (double)s.Subtotal);
        Field<NonNullGraphType<StringGraphType>>("currency").Plain(s => s.Currency);
        Field<NonNullGraphType<BooleanGraphType>>("checkedOut").Plain(s => s.CheckedOut);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("updatedAt").Plain(s => s.UpdatedAt);
        Field<ChannelType>("lastChangedBy").Description("The channel of the session that made the last change.").Plain(s => s.LastChangedBy);
        Field<IdGraphType>("mergedInto")
            .Description("Set once this anonymous cart was merged into a customer's cart at sign-in: that cart's id.")
            .Resolve(c => c.Source.MergedInto?.ToString("D"));
        Field<IdGraphType>("orderId").Description("Set once the cart was checked out: the order it became.").Plain(s => s.OrderId?.ToString("D"));
    }
}

public sealed class CartPayloadType : ObjectGraphType<CartResult>
{
    public CartPayloadType()
    {
        Name = "CartPayload";
        Field<CartType>("cart").Plain(s => s.Cart);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Plain(s => s.Errors);
    }
}

public sealed class CheckoutPayloadType : ObjectGraphType<CheckoutResult>
{
    public CheckoutPayloadType()
    {
        Name = "CheckoutPayload";
        Field<OrderType>("order").Plain(s => s.Order);
        Field<CartType>("cart").Plain(s => s.Cart);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Plain(s => s.Errors);
    }
}
