using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Api.Wallets;
using Omni.Inventory;

namespace Omni.Api.Inventory;

/// <summary>
/// POS and ops stock movements. Each passes the client's id (reservationId, saleId, returnId,
/// movementId) straight to the inventory grain, which makes a retry with the same id a no-op
/// that answers as the first call did.
/// </summary>
public static class InventoryMutations
{
    /// <summary>Holds taken at a till belong to <c>pos:{storeId}</c>; carts own theirs as <c>cart:{id}</c>.</summary>
    public const string PosOwnerPrefix = "pos:";

    public static readonly TimeSpan DefaultHold = TimeSpan.FromSeconds(900);

    /// <summary><c>reserveStock</c>'s grain call (a till's hold), also made by the bench endpoint so both measure the same work.</summary>
    internal static Task<StockResult> ReserveAtTill(IGrainFactory grains, string storeId, string sku, int quantity, string reservationId, int? ttlSeconds,
        MovementContext? context = null) =>
        grains.Inventory(storeId, sku).Reserve(reservationId, quantity,
            ttlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultHold, PosOwnerPrefix + storeId, context);

    public static void AddInventoryMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<ReservationPayloadType>>("reserveStock")
            .Description("POS: holds units at a store for ttlSeconds (default 900). Staff of that store or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("quantity")
            .Argument<NonNullGraphType<IdGraphType>>("reservationId")
            .Argument<IntGraphType>("ttlSeconds")
            .ResolveAsync(async c =>
            {
                var (storeId, sku) = Location(c);
                c.Caller().EnsureStaffOf(storeId);
                if (!InventoryAddress.IsValid(storeId, sku))
                {
                    return ReservationPayload.Refused(InventoryAddress.NotFound(storeId, sku));
                }
                var result = await ReserveAtTill(c.Grains(), storeId, sku, c.GetArgument<int>("quantity"),
                    c.GetArgument<string>("reservationId"), c.GetArgument<int?>("ttlSeconds"), StockLedgerQueries.MovedBy(c));
                return ReservationPayload.From(result);
            });

        mutation.Field<NonNullGraphType<StockPayloadType>>("releaseReservation")
            .Description("POS: gives a till's hold back. Staff of that store (holds taken at a till only) or ops (any hold).")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IdGraphType>>("reservationId")
            .ResolveAsync(async c => await OnHold(c, (inventory, id) => inventory.Release(id, StockLedgerQueries.MovedBy(c))));

        mutation.Field<NonNullGraphType<StockPayloadType>>("commitReservation")
            .Description("Turns a till's reservation into a sale: on-hand goes down by its quantity. Staff of that store or ops; a cart's hold is sold only by its order (CONFLICT).")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IdGraphType>>("reservationId")
            .ResolveAsync(async c => await OnHold(c, (inventory, id) =>
            {
                // Through the API only a till's hold can be sold, by that till: a cart's hold is sold by its order.
                var till = PosOwnerPrefix + c.GetArgument<string>("storeId");
                return inventory.Commit(id, owner: till, by: till, context: StockLedgerQueries.MovedBy(c));
            }));

        mutation.Field<NonNullGraphType<StockPayloadType>>("recordSale")
            .Description("A walk-in sale at the till, without a prior reservation. Staff of that store or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("quantity")
            .Argument<NonNullGraphType<IdGraphType>>("saleId")
            .Argument<IdGraphType>("customerId")
            .ResolveAsync(async c => await TillPoints.AfterSale(c, "saleId", await Move(c, c.Caller().EnsureStaffOf,
                (inventory, quantity) => inventory.RecordSale(c.GetArgument<string>("saleId"), quantity, StockLedgerQueries.MovedBy(c)))));

        mutation.Field<NonNullGraphType<StockPayloadType>>("recordReturn")
            .Description("A return taken back into stock at any store. Staff of that store or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("quantity")
            .Argument<NonNullGraphType<IdGraphType>>("returnId")
            .Argument<StringGraphType>("reason")
            .Argument<IdGraphType>("customerId")
            .ResolveAsync(async c => await TillPoints.AfterSale(c, "returnId", await Move(c, c.Caller().EnsureStaffOf,
                (inventory, quantity) => inventory.RecordReturn(c.GetArgument<string>("returnId"), quantity, StockLedgerQueries.MovedBy(c)))));

        mutation.Field<NonNullGraphType<StockPayloadType>>("receiveStock")
            .Description("Ops: units received at a location.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("quantity")
            .Argument<NonNullGraphType<IdGraphType>>("movementId")
            .Argument<StringGraphType>("reason")
            .ResolveAsync(async c => await Move(c, _ => c.Caller().EnsureOps(),
                (inventory, quantity) => inventory.Receive(c.GetArgument<string>("movementId"), quantity, StockLedgerQueries.MovedBy(c))));

        mutation.Field<NonNullGraphType<StockPayloadType>>("setStockCount")
            .Description("Ops: sets on-hand after a count; movementId makes it idempotent.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("onHand")
            .Argument<NonNullGraphType<IdGraphType>>("movementId")
            .Argument<StringGraphType>("reason")
            .ResolveAsync(async c =>
            {
                var (storeId, sku) = Location(c);
                c.Caller().EnsureOps();
                return InventoryAddress.IsValid(storeId, sku)
                    ? StockPayload.From(await c.Grains().Inventory(storeId, sku).SetCount(c.GetArgument<string>("movementId"), c.GetArgument<int>("onHand"), StockLedgerQueries.MovedBy(c)))
                    : StockPayload.Refused(InventoryAddress.NotFound(storeId, sku));
            });
    }

    private static (string StoreId, string Sku) Location(IResolveFieldContext c) =>
        (c.GetArgument<string>("storeId"), c.GetArgument<string>("sku"));

    private static async Task<StockPayload> Move(IResolveFieldContext c, Action<string> authorize, Func<IInventoryGrain, int, Task<StockResult>> move)
    {
        var (storeId, sku) = Location(c);
        authorize(storeId);
        return InventoryAddress.IsValid(storeId, sku)
            ? StockPayload.From(await move(c.Grains().Inventory(storeId, sku), c.GetArgument<int>("quantity")))
            : StockPayload.Refused(InventoryAddress.NotFound(storeId, sku));
    }

    /// <summary>Release or commit: staff may touch only holds taken at a till; ops any.</summary>
    private static async Task<StockPayload> OnHold(IResolveFieldContext c, Func<IInventoryGrain, string, Task<StockResult>> act)
    {
        var (storeId, sku) = Location(c);
        var caller = c.Caller();
        caller.EnsureStaffOf(storeId);
        if (!InventoryAddress.IsValid(storeId, sku))
        {
            return StockPayload.Refused(InventoryAddress.NotFound(storeId, sku));
        }
        var reservationId = c.GetArgument<string>("reservationId");
        var inventory = c.Grains().Inventory(storeId, sku);
        // A hold that is no longer active is left to the grain: it answers a retry with the first
        // outcome and anything else with why not, changing nothing either way.
        if (!caller.IsOps && await inventory.GetReservation(reservationId) is { } held
            && held.Owner?.StartsWith(PosOwnerPrefix, StringComparison.Ordinal) != true)
        {
            throw Refusals.NotAllowed();
        }
        return StockPayload.From(await act(inventory, reservationId));
    }
}
