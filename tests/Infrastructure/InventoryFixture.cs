using Omni.Catalog;
using Omni.Stores;

namespace Omni.Tests.Infrastructure;

/// <summary>
/// One two-silo cluster on its own database for a collection of inventory tests; each test
/// makes its own SKUs so tests never share a grain.
/// </summary>
public sealed class InventoryFixture : IAsyncLifetime
{
    public static readonly Store Warehouse = new("w1", "Test Warehouse", LocationKind.WAREHOUSE, 50.87, 9.71, ShipsOnline: true, PickupEnabled: false, Priority: 1);
    public static readonly Store Berlin = new("s1", "Test Berlin", LocationKind.STORE, 52.52, 13.405, ShipsOnline: false, PickupEnabled: true);
    public static readonly Store Hamburg = new("s2", "Test Hamburg", LocationKind.STORE, 53.55, 10.0, ShipsOnline: true, PickupEnabled: true);

    private TestDatabase? _database;
    private OmniTestCluster? _cluster;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not started");
    public OmniTestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");
    public IGrainFactory Grains => Cluster.Grains;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.Create();
        _cluster = await OmniTestCluster.Start(_database, silos: 2);
        await DefineNetwork(Grains);
    }

    public static async Task DefineNetwork(IGrainFactory grains)
    {
        Assert.Null(await grains.GetGrain<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).Define([Warehouse, Berlin, Hamburg]));
    }

    /// <summary>A product of its own for one test.</summary>
    public async Task<string> NewSku(decimal price = 9.99m)
    {
        var sku = $"T-{Guid.NewGuid():N}"[..18];
        Assert.Null(await Grains.GetGrain<IProductGrain>(sku).Define("Test product " + sku, price, "EUR"));
        return sku;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InventoryCollection : ICollectionFixture<InventoryFixture>
{
    public const string Name = "inventory";
}
