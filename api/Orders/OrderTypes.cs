using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Omni.Api.Carts;
using Omni.Api.Schema;
using Omni.Api.Sessions;
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
        Field<ChannelType>("channel").Description("The channel the order was placed on.").Resolve(c => c.Source.Channel);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FulfillmentType>>>>("fulfillments").InMemory().Resolve(c => c.Source.Fulfillments);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderReturnType>>>>("returns").InMemory().Resolve(c => c.Source.Returns);
        Field<NonNullGraphType<FloatGraphType>>("refundedTotal").Resolve(c => (double)c.Source.RefundedTotal);
        Field<NonNullGraphType<IntGraphType>>("pointsRedeemed")
            .Description("Points the customer redeemed at checkout (redeemPoints with cartId); 100 points = 1 unit of currency off the total.")
            .Resolve(c => c.Source.PointsRedeemed);
    }
}

public sealed class FulfillmentStatusType : EnumerationGraphType<FulfillmentStatus>
{
    public FulfillmentStatusType() => Name = "FulfillmentStatus";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class FulfillmentType : ObjectGraphType<FulfillmentView>
{
    public FulfillmentType()
    {
        Name = "Fulfillment";
        Description = "The lines of an order that leave from one location in one way.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<FulfillmentKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<IdGraphType>>("storeId").Resolve(c => c.Source.StoreId);
        Field<NonNullGraphType<FulfillmentStatusType>>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderLineType>>>>("lines").InMemory().Resolve(c => c.Source.Lines);
        Field<UtcDateTimeGraphType>("collectBy")
            .Description("A pickup not collected by then is cancelled and its units go back to stock.")
            .Resolve(c => c.Source.CollectBy);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("updatedAt").Resolve(c => c.Source.UpdatedAt);
    }
}

public sealed class ReturnedLineType : ObjectGraphType<ReturnedLine>
{
    public ReturnedLineType()
    {
        Name = "ReturnedLine";
        Field<NonNullGraphType<IdGraphType>>("sku").Resolve(c => c.Source.Sku);
        Field<NonNullGraphType<IntGraphType>>("quantity").Resolve(c => c.Source.Quantity);
        Field<NonNullGraphType<FloatGraphType>>("refund").Resolve(c => (double)c.Source.Refund);
    }
}

public sealed class OrderReturnType : ObjectGraphType<OrderReturn>
{
    public OrderReturnType()
    {
        Name = "OrderReturn";
        Description = "Units of an order brought back at a store (any store): they go back into that store's on-hand.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<IdGraphType>>("storeId").Resolve(c => c.Source.StoreId);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ReturnedLineType>>>>("lines").InMemory().Resolve(c => c.Source.Lines);
        Field<StringGraphType>("reason").Resolve(c => c.Source.Reason);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("at").Resolve(c => c.Source.At);
    }
}

public sealed class ReturnLineInputType : InputObjectGraphType<ReturnRequestLine>
{
    public ReturnLineInputType()
    {
        Name = "ReturnLineInput";
        Field<NonNullGraphType<IdGraphType>>("sku");
        Field<NonNullGraphType<IntGraphType>>("quantity");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new ReturnRequestLine((string)value["sku"]!, (int)value["quantity"]!);
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

internal static class OrderFieldComplexity
{
    /// <summary>
    /// Already in memory with the order and bounded by its lines: it costs what one object does,
    /// not a list's worth of lookups (as <c>Availability.locations</c>).
    /// </summary>
    public static FieldBuilder<TSource, TReturn> InMemory<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field) =>
        field.WithComplexityImpact(fieldImpact: 1, childImpactMultiplier: 1);
}
