namespace Omni.Inventory;

/// <summary>One SKU across the network of locations: available per location, fed by the inventory grains.</summary>
[Alias("Omni.Inventory.ISkuGrain")]
public interface ISkuGrain : IGrainWithStringKey
{
    [Alias("GetAvailability"), ReadOnly]
    Task<Availability> GetAvailability();

    /// <summary>Locations with at least <paramref name="quantity"/> available, nearest first by great-circle distance.</summary>
    [Alias("Nearest"), ReadOnly]
    Task<IReadOnlyList<StoreAvailability>> Nearest(double latitude, double longitude, int quantity, int first);

    /// <summary>An inventory grain reports its newest level; older versions are ignored.</summary>
    [Alias("Report"), OneWay]
    Task Report(StockLevel level);
}

[GenerateSerializer, Immutable, Alias("Omni.Inventory.Availability")]
public sealed record Availability(
    [property: Id(0)] string Sku,
    [property: Id(1)] int OnlineAvailable,
    [property: Id(2)] int TotalAvailable,
    [property: Id(3)] IReadOnlyList<StockLevel> Locations);

[GenerateSerializer, Immutable, Alias("Omni.Inventory.StoreAvailability")]
public sealed record StoreAvailability(
    [property: Id(0)] Stores.Store Store,
    [property: Id(1)] int Available,
    [property: Id(2)] double? DistanceKm);
