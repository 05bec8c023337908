using Omni.Common;
using Omni.Stores;

namespace Omni.Inventory;

/// <summary>
/// The network view of one SKU. It reads the last durable level of every location once, on
/// activation (one query), and from then on is kept current by the inventory grains' reports,
/// so a read never fans out to the locations.
/// </summary>
[Reentrant]
public sealed class SkuGrain(InventoryStore store) : Grain, ISkuGrain
{
    private static readonly TimeSpan StoreRefresh = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, StockLevel> _levels = new(StringComparer.Ordinal);
    private Dictionary<string, Store> _stores = new(StringComparer.Ordinal);
    private DateTimeOffset _storesLoadedAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var level in await store.Levels(this.GetPrimaryKeyString(), cancellationToken))
        {
            Keep(level);
        }
        await LoadStores();
    }

    public async Task<Availability> GetAvailability()
    {
        await RefreshStores();
        var located = _levels.Values.Where(l => _stores.ContainsKey(l.StoreId)).OrderBy(l => l.StoreId, StringComparer.Ordinal).ToList();
        return new Availability(
            this.GetPrimaryKeyString(),
            located.Where(l => _stores[l.StoreId].ShipsOnline).Sum(l => l.Available),
            located.Sum(l => l.Available),
            located);
    }

    public async Task<IReadOnlyList<StoreAvailability>> Nearest(double latitude, double longitude, int quantity, int first)
    {
        await RefreshStores();
        return [.. _levels.Values
            .Where(l => l.Available >= Math.Max(1, quantity) && _stores.TryGetValue(l.StoreId, out var s) && s.Kind == LocationKind.STORE)
            .Select(l => (Level: l, Store: _stores[l.StoreId]))
            .Select(x => new StoreAvailability(x.Store, x.Level.Available, x.Store.DistanceKmTo(latitude, longitude)))
            .OrderBy(a => a.DistanceKm)
            .ThenBy(a => a.Store.Id, StringComparer.Ordinal)
            .Take(Math.Max(0, first))];
    }

    public Task Report(StockLevel level)
    {
        Keep(level);
        return Task.CompletedTask;
    }

    private void Keep(StockLevel level)
    {
        if (!_levels.TryGetValue(level.StoreId, out var known) || known.Version < level.Version)
        {
            _levels[level.StoreId] = level;
        }
    }

    private Task RefreshStores() =>
        DateTimeOffset.UtcNow - _storesLoadedAt > StoreRefresh ? LoadStores() : Task.CompletedTask;

    private async Task LoadStores()
    {
        var stores = await GrainFactory.Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).List();
        _stores = stores.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _storesLoadedAt = DateTimeOffset.UtcNow;
    }
}
