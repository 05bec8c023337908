using GraphQL;
using GraphQL.Types;
using Omni.Api.Catalog;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Catalog;
using Omni.Common;
using Omni.Inventory;

namespace Omni.Api.Inventory;

public static class InventorySubscriptions
{
    public static void AddInventorySubscriptions(this ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<StockLevelType>, StockLevel>("stockChanged")
            .Description("The stock now, then every change, at one location or (storeId null) at every location that stocks the SKU; each location's versions in order.")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<IdGraphType>("storeId")
            .Resolve(c => (StockLevel?)c.Source)
            .ResolveStreamAsync(async c =>
            {
                var sku = c.GetArgument<string>("sku");
                var feed = c.Service<StockFeed>();
                var grains = c.Grains();
                var known = c.Service<CatalogMembership>();
                if (c.GetArgument<string?>("storeId") is { } storeId)
                {
                    var stock = await InventoryQueries.Stock(grains, known, storeId, sku)
                        ?? throw Refusals.NotFound($"no stock of '{sku}' at '{storeId}'");
                    return feed.Watch(InventoryKey.Of(storeId, sku), stock);
                }
                if (!await known.IsKnownSku(sku))
                {
                    throw Refusals.NotFound($"no product '{sku}'");
                }
                // The locations the SKU grain knows: every one that has ever had a movement of it.
                var availability = await grains.Ref<ISkuGrain>(sku).GetAvailability();
                return new Merged<StockLevel>([.. availability.Locations.Select(l => feed.Watch(InventoryKey.Of(l.StoreId, l.Sku), l))]);
            });
}
