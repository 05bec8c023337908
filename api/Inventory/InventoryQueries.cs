using GraphQL;
using GraphQL.Types;
using Omni.Api.Catalog;
using Omni.Api.Schema;
using Omni.Catalog;
using Omni.Common;
using Omni.Inventory;
using Omni.Stores;

namespace Omni.Api.Inventory;

public static class InventoryQueries
{
    /// <summary>The most SKUs one <c>availabilities</c> call may ask about.</summary>
    public const int MaxSkus = 200;

    /// <summary>The most locations <c>nearestStoresWithStock</c> returns.</summary>
    public const int MaxNearest = 50;

    public static void AddInventoryQueries(this ObjectGraphType query)
    {
        query.Field<StockLevelType>("stock")
            .Description("The stock of a SKU at a location, or null if either does not exist.")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .ResolveAsync(async c => await Stock(c.Grains(), c.Service<CatalogMembership>(), c.GetArgument<string>("storeId"), c.GetArgument<string>("sku")));

        query.Field<NonNullGraphType<AvailabilityType>>("availability")
            .Description("A SKU across the network. A SKU no location stocks (or no product has) is zero everywhere.")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .ResolveAsync(async c =>
            {
                var sku = c.GetArgument<string>("sku");
                return await c.Service<CatalogMembership>().IsKnownSku(sku) ? await Availability(c.Grains(), sku) : Nothing(sku);
            });

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<AvailabilityType>>>>("availabilities")
            .Description($"availability for each SKU, in the order asked; at most {MaxSkus} SKUs.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("skus")
            // Each SKU is a lookup, and each is a whole availability below: the list's length counts,
            // times however many aliases repeat the field (graphql-dotnet adds up every occurrence).
            .WithComplexityImpact(context => new(SkuCount(context), SkuCount(context)))
            .ResolveAsync(async c =>
            {
                var skus = c.IdListArgument("skus");
                if (skus.Count > MaxSkus)
                {
                    throw Refusals.InvalidArgument($"availabilities takes at most {MaxSkus} SKUs, not {skus.Count}");
                }
                var grains = c.Grains();
                var known = await c.Service<CatalogMembership>().KnownSkus(skus);
                var found = await Task.WhenAll(known.Select(sku => Availability(grains, sku)));
                var bySku = found.ToDictionary(a => a.Sku, StringComparer.Ordinal);
                return skus.Select(sku => bySku.GetValueOrDefault(sku) ?? Nothing(sku)).ToList();
            });

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<StoreAvailabilityType>>>>("nearestStoresWithStock")
            .Description($"Stores with at least `quantity` available, nearest first; first is 1 to {MaxNearest}.")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Argument<NonNullGraphType<IntGraphType>>("quantity", a => a.DefaultValue = 1)
            .Argument<NonNullGraphType<FloatGraphType>>("latitude")
            .Argument<NonNullGraphType<FloatGraphType>>("longitude")
            .Argument<NonNullGraphType<IntGraphType>>("first", a => a.DefaultValue = 5)
            .ResolveAsync(async c =>
            {
                var (quantity, first) = (c.GetArgument<int>("quantity"), c.GetArgument<int>("first"));
                var (latitude, longitude) = (c.GetArgument<double>("latitude"), c.GetArgument<double>("longitude"));
                var problem = (quantity, first, latitude, longitude) switch
                {
                    _ when first is < 1 or > MaxNearest => $"first must be between 1 and {MaxNearest}, not {first}",
                    _ when quantity is < 1 or > Limits.MaxMovementQuantity => $"quantity must be between 1 and {Limits.MaxMovementQuantity}, not {quantity}",
                    _ when latitude is < -90 or > 90 => "latitude is between -90 and 90",
                    _ when longitude is < -180 or > 180 => "longitude is between -180 and 180",
                    _ => null,
                };
                if (problem is not null)
                {
                    throw Refusals.InvalidArgument(problem);
                }
                var sku = c.GetArgument<string>("sku");
                return !await c.Service<CatalogMembership>().IsKnownSku(sku) ? [] : await c.Grains().Ref<ISkuGrain>(sku).Nearest(latitude, longitude, quantity, first);
            });
    }

    /// <summary>The stock of a known SKU at a known location (zeros if it never moved), else null without a grain call.</summary>
    internal static async Task<StockLevel?> Stock(IGrainFactory grains, CatalogMembership known, string storeId, string sku)
    {
        if (!InventoryAddress.IsValid(storeId, sku))
        {
            return null;
        }
        var (store, product) = (known.IsKnownStore(storeId), known.IsKnownSku(sku));
        if (!await store || !await product)
        {
            return null;
        }
        return await grains.Inventory(storeId, sku).GetStock();
    }

    /// <summary>A SKU nobody stocks: zero everywhere.</summary>
    private static Availability Nothing(string sku) => new(sku, 0, 0, []);

    /// <summary>How many SKUs an <c>availabilities</c> occurrence asks about (from the literal or the variables).</summary>
    private static double SkuCount(GraphQL.Validation.Complexity.FieldImpactContext context) =>
        context.Arguments is { } arguments && arguments.TryGetValue("skus", out var skus) && skus.Value is System.Collections.ICollection list
            ? Math.Max(1, list.Count)
            : 1;

    /// <summary><c>availability</c>'s grain call, also made by the bench endpoint so both measure the same work.</summary>
    internal static async Task<Availability> Availability(IGrainFactory grains, string sku) =>
        sku.Length == 0 ? new Availability(sku, 0, 0, []) : await grains.Ref<ISkuGrain>(sku).GetAvailability();
}

/// <summary>What may name an inventory grain (<c>{storeId}/{sku}</c>): anything else names no stock.</summary>
public static class InventoryAddress
{
    public static bool IsValid(string? storeId, string? sku) =>
        storeId is { Length: > 0 and <= Limits.MaxIdLength } && !storeId.Contains('/')
        && sku is { Length: > 0 and <= Limits.MaxIdLength };

    public static UserError NotFound(string storeId, string sku) =>
        UserError.NotFound(storeId is { Length: > 0 } && !storeId.Contains('/') ? "sku" : "storeId", $"no stock of '{sku}' at '{storeId}'");
}
