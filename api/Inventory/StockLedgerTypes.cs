using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Api.Sessions;
using Omni.Inventory;

namespace Omni.Api.Inventory;

public sealed class MovementKindType : EnumerationGraphType<StockMovementKind>
{
    public MovementKindType() => Name = "MovementKind";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class StockMovementType : ObjectGraphType<StockMovement>
{
    public StockMovementType()
    {
        Name = "StockMovement";
        Description = "One applied change to the stock of a SKU at one location; a location's movements in version order rebuild its StockLevel.";
        Field<NonNullGraphType<IdGraphType>>("sku").Resolve(c => c.Source.Sku);
        Field<NonNullGraphType<IdGraphType>>("storeId").Resolve(c => c.Source.StoreId);
        Field<NonNullGraphType<IntGraphType>>("version").Resolve(c => checked((int)c.Source.Version));
        Field<NonNullGraphType<MovementKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<IntGraphType>>("onHandDelta").Resolve(c => c.Source.OnHandDelta);
        Field<NonNullGraphType<IntGraphType>>("reservedDelta").Resolve(c => c.Source.ReservedDelta);
        Field<NonNullGraphType<IntGraphType>>("onHandAfter").Resolve(c => c.Source.OnHandAfter);
        Field<NonNullGraphType<IntGraphType>>("reservedAfter").Resolve(c => c.Source.ReservedAfter);
        Field<NonNullGraphType<IdGraphType>>("reference")
            .Description("The client id of the operation (reservationId, saleId, returnId, movementId, transferId); for a lapse, the lapsed reservation's id.")
            .Resolve(c => c.Source.Reference);
        Field<NonNullGraphType<StringGraphType>>("actor")
            .Description("Who asked: customer:<id>, cart:<id>, order:<id>, staff:<storeId>, ops, or system (lapses).")
            .Resolve(c => c.Source.Actor);
        Field<ChannelType>("channel").Resolve(c => c.Source.Channel);
        Field<StringGraphType>("reason").Resolve(c => c.Source.Reason);
        Field<IdGraphType>("customerId")
            .Description("The customer who bought or returned at the till, when the till said so.")
            .Resolve(c => c.Source.CustomerId);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("at").Resolve(c => c.Source.At);
    }
}
