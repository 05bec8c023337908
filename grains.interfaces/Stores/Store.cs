namespace Omni.Stores;

[GenerateSerializer, Alias("Omni.Stores.LocationKind")]
public enum LocationKind
{
    STORE,
    WAREHOUSE,
}

/// <summary>The profile of one location: a store or a warehouse.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Stores.Store")]
public sealed record Store(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] LocationKind Kind,
    [property: Id(3)] double Latitude,
    [property: Id(4)] double Longitude,
    [property: Id(5)] bool ShipsOnline,
    [property: Id(6)] bool PickupEnabled,
    [property: Id(7)] int Priority = 100)
{
    /// <summary>Great-circle distance in kilometres (haversine, mean Earth radius).</summary>
    public double DistanceKmTo(double latitude, double longitude)
    {
        const double EarthRadiusKm = 6371.0088;
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var dLat = Rad(latitude - Latitude);
        var dLon = Rad(longitude - Longitude);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Rad(Latitude)) * Math.Cos(Rad(latitude)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}

/// <summary>Every location of the network (singleton key <see cref="Key"/>).</summary>
[Alias("Omni.Stores.IStoreDirectoryGrain")]
public interface IStoreDirectoryGrain : IGrainWithStringKey
{
    const string Key = "network";

    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<Store>> List();

    [Alias("Get"), ReadOnly]
    Task<Store?> Get(string storeId);

    /// <summary>Adds or replaces locations (ops and seeding).</summary>
    [Alias("Define")]
    Task<UserError?> Define(IReadOnlyList<Store> stores);
}
