using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Catalog;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Catalog;
using Omni.Common;
using Omni.Inventory;

namespace Omni.Api.Inventory;

/// <summary>
/// The kept movement ledger (contract stock-ledger.graphql): <c>stockMovements</c> pages through a
/// location's movements, <c>stockMoved</c> streams them, <c>setSafetyStock</c> is one of them.
/// </summary>
public static class StockLedgerQueries
{
    /// <summary>The most movements one <c>stockMovements</c> page returns.</summary>
    public const int MaxPage = StockHistory.MaxPage;

    /// <summary>The most SKUs <c>stockMoved</c> without a sku watches (the first of the catalog): each is a registration.</summary>
    public const int MaxStreamedSkus = 1000;

    /// <summary>Who moves stock through the API, as the ledger records it: ops, or a store's staff at its till.</summary>
    internal static MovementContext MovedBy(IResolveFieldContext c)
    {
        var caller = c.Caller();
        return new MovementContext(
            caller.IsOps ? "ops" : $"staff:{caller.StoreId}",
            caller.IsOps ? null : Channel.POS,
            c.GetArgument<string?>("reason"),
            c.GetArgument<string?>("customerId"));
    }

    public static void AddStockLedgerQueries(this ObjectGraphType query) =>
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<StockMovementType>>>>("stockMovements")
            .Description($"A location's movements of a SKU, oldest first, after the given version; first is 1 to {MaxPage}. Staff of that store or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IntGraphType>>("afterVersion", a => a.DefaultValue = 0)
            .Argument<NonNullGraphType<IntGraphType>>("first", a => a.DefaultValue = 100)
            .ResolveAsync(async c =>
            {
                var (storeId, sku) = (c.GetArgument<string>("storeId"), c.GetArgument<string>("sku"));
                c.Caller().EnsureStaffOf(storeId);
                var (after, first) = (c.GetArgument<int>("afterVersion"), c.GetArgument<int>("first"));
                if (first is < 1 or > MaxPage)
                {
                    throw Refusals.InvalidArgument($"first must be between 1 and {MaxPage}, not {first}");
                }
                if (after < 0)
                {
                    throw Refusals.InvalidArgument($"afterVersion must be 0 or more, not {after}");
                }
                if (await InventoryQueries.Stock(c.Grains(), c.Service<CatalogMembership>(), storeId, sku) is null)
                {
                    return (IReadOnlyList<StockMovement>)[];
                }
                return await c.Grains().Ref<IStockHistoryGrain>(0).Movements(storeId, sku, after, first);
            });

    public static void AddStockLedgerMutations(this ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<StockPayloadType>>("setSafetyStock")
            .Description("Ops: the units a location keeps back from available; movementId makes it idempotent.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("safetyStock")
            .Argument<NonNullGraphType<IdGraphType>>("movementId")
            .ResolveAsync(async c =>
            {
                var (storeId, sku) = (c.GetArgument<string>("storeId"), c.GetArgument<string>("sku"));
                c.Caller().EnsureOps();
                return InventoryAddress.IsValid(storeId, sku)
                    ? StockPayload.From(await c.Grains().Inventory(storeId, sku)
                        .SetSafetyStock(c.GetArgument<string>("movementId"), c.GetArgument<int>("safetyStock"), MovedBy(c)))
                    : StockPayload.Refused(InventoryAddress.NotFound(storeId, sku));
            });

    public static void AddStockLedgerSubscriptions(this ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<StockMovementType>, StockMovement>("stockMoved")
            .Description("Every movement at a location from now on (one SKU, or every SKU of the catalog when sku is null), in version order per SKU. Staff of that store or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<IdGraphType>("sku")
            .Resolve(c => (StockMovement?)c.Source)
            .ResolveStreamAsync(async c =>
            {
                var storeId = c.GetArgument<string>("storeId");
                c.Caller().EnsureStaffOf(storeId);
                var known = c.Service<CatalogMembership>();
                var feed = c.Service<StockMovementFeed>();
                if (c.GetArgument<string?>("sku") is { } sku)
                {
                    _ = await InventoryQueries.Stock(c.Grains(), known, storeId, sku)
                        ?? throw Refusals.NotFound($"no stock of '{sku}' at '{storeId}'");
                    return feed.Watch(InventoryKey.Of(storeId, sku), null);
                }
                if (!await known.IsKnownStore(storeId) || !InventoryAddress.IsValid(storeId, "x"))
                {
                    throw Refusals.NotFound($"no location '{storeId}'");
                }
                var skus = await c.Grains().Ref<ICatalogGrain>(ICatalogGrain.Key).List(MaxStreamedSkus, null);
                return new Merged<StockMovement>([.. skus.Select(s => feed.Watch(InventoryKey.Of(storeId, s), null))]);
            });
}
