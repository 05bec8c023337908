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
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<IdGraphType>>("sku").Resolve(c => c.Source.Sku);
        // Batched: a cart's lines ask for their products in one parallel fan-out.
        Field<ProductType>("product").Resolve(c => c.Service<ProductLoader>().Load(c.Source.Sku));
        Field<NonNullGraphType<IntGraphType>>("quantity").Resolve(c => c.Source.Quantity);
        Field<NonNullGraphType<FulfillmentKindType>>("fulfillment").Resolve(c => c.Source.Fulfillment);
        Field<IdGraphType>("storeId").Description("The location that holds the stock for this line.").Resolve(c => c.Source.StoreId);
        Field<IdGraphType>("reservationId").Resolve(c => c.Source.ReservationId);
        Field<UtcDateTimeGraphType>("reservedUntil").Resolve(c => c.Source.ReservedUntil);
        Field<NonNullGraphType<FloatGraphType>>("lineTotal").Resolve(c => (double)c.Source.LineTotal);
    }
}

public sealed class CartType : ObjectGraphType<CartView>
{
    public CartType()
    {
        Name = "Cart";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString("D"));
        Field<IdGraphType>("customerId").Resolve(c => c.Source.CustomerId);
        Field<NonNullGraphType<IntGraphType>>("version").Resolve(c => checked((int)c.Source.Version));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CartLineType>>>>("lines").Resolve(c => c.Source.Lines);
        Field<NonNullGraphType<IntGraphType>>("itemCount").Resolve(c => c.Source.ItemCount);
        Field<NonNullGraphType<FloatGraphType>>("subtotal").Resolve(c => (double)c.Source.Subtotal);
        Field<NonNullGraphType<StringGraphType>>("currency").Resolve(c => c.Source.Currency);
        Field<NonNullGraphType<BooleanGraphType>>("checkedOut").Resolve(c => c.Source.CheckedOut);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("updatedAt").Resolve(c => c.Source.UpdatedAt);
        Field<ChannelType>("lastChangedBy").Description("The channel of the session that made the last change.").Resolve(c => c.Source.LastChangedBy);
        Field<IdGraphType>("mergedInto")
            .Description("Set once this anonymous cart was merged into a customer's cart at sign-in: that cart's id.")
            .Resolve(c => c.Source.MergedInto?.ToString("D"));
        Field<IdGraphType>("orderId").Description("Set once the cart was checked out: the order it became.").Resolve(c => c.Source.OrderId?.ToString("D"));
    }
}

public sealed class CartPayloadType : ObjectGraphType<CartResult>
{
    public CartPayloadType()
    {
        Name = "CartPayload";
        Field<CartType>("cart").Resolve(c => c.Source.Cart);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}

public sealed class CheckoutPayloadType : ObjectGraphType<CheckoutResult>
{
    public CheckoutPayloadType()
    {
        Name = "CheckoutPayload";
        Field<OrderType>("order").Resolve(c => c.Source.Order);
        Field<CartType>("cart").Resolve(c => c.Source.Cart);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}
