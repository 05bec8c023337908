using System.Diagnostics;
using Omni.Common;

namespace Omni.Stores;

/// <summary>
/// The store directory as a silo sees it: read from the directory grain at most every
/// <see cref="Fresh"/>, so a cart change costs no call for it. Locations change rarely (ops
/// define them, and a changed profile shows here within <see cref="Fresh"/>); an id this copy
/// does not know makes it read again, one read at a time however many callers miss at once.
/// </summary>
public sealed class StoreDirectoryCache(IGrainFactory grains)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);

    private volatile Snapshot? _current;
    private Task<Snapshot>? _reading;
    private readonly Lock _lock = new();

    public async Task<IReadOnlyList<Store>> List() => (await Current(forceIfOlderThan: null)).Stores;

    public async Task<Store?> Get(string storeId)
    {
        var current = await Current(forceIfOlderThan: null);
        if (current.ById.TryGetValue(storeId, out var store))
        {
            return store;
        }
        return (await Current(forceIfOlderThan: TimeSpan.Zero)).ById.GetValueOrDefault(storeId);
    }

    /// <summary>The shipping locations in allocation order (priority, then id).</summary>
    public async Task<IReadOnlyList<Store>> Shipping() => (await Current(forceIfOlderThan: null)).Shipping;

    private Task<Snapshot> Current(TimeSpan? forceIfOlderThan)
    {
        // Real time, not the domain clock: tests move the domain clock, not how old this copy is.
        var current = _current;
        if (current is not null && Stopwatch.GetElapsedTime(current.ReadAt) < (forceIfOlderThan ?? Fresh))
        {
            return Task.FromResult(current);
        }
        lock (_lock)
        {
            return _reading is { IsCompleted: false } reading ? reading : _reading = Read();
        }
    }

    private async Task<Snapshot> Read()
    {
        var started = Stopwatch.GetTimestamp();
        var stores = await grains.Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).List();
        var snapshot = new Snapshot(started, stores, stores.ToDictionary(s => s.Id, StringComparer.Ordinal),
            [.. stores.Where(s => s.ShipsOnline).OrderBy(s => s.Priority).ThenBy(s => s.Id, StringComparer.Ordinal)]);
        _current = snapshot;
        return snapshot;
    }

    private sealed record Snapshot(long ReadAt, IReadOnlyList<Store> Stores, IReadOnlyDictionary<string, Store> ById, IReadOnlyList<Store> Shipping);
}
