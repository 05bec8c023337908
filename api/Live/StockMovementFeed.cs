using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Omni.Common;
using Omni.Inventory;

namespace Omni.Api.Live;

/// <summary>
/// The movements of one SKU at one location, by inventory key (<c>{storeId}/{sku}</c>). Unlike a
/// state, a movement skipped is information lost, so the node's registration remembers the last
/// version it published and fills a gap (a batch missed while the grain moved to another silo)
/// from the kept ledger before it publishes what comes after it. Subscribers still drop anything
/// not newer than what they delivered, so they see each version at most once, in order.
/// </summary>
public sealed class StockMovementFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<StockMovementFeed> logger)
    : LiveFeed<StockMovement>(options, logger)
{
    private readonly ConcurrentDictionary<string, Registration> _registrations = new(StringComparer.Ordinal);

    protected override long VersionOf(StockMovement state) => state.Version;

    /// <summary>The newest movement; any the registration missed before it are published first.</summary>
    protected override async Task<StockMovement?> Current(string key)
    {
        var (storeId, sku) = InventoryKey.Parse(key);
        var last = await History.Last(storeId, sku);
        if (last is not null && _registrations.TryGetValue(key, out var registration))
        {
            await registration.Deliver([last]);
        }
        return last;
    }

    protected override IFeedRegistration Register(string key, Action<StockMovement> publish)
    {
        Registration? registration = null;
        registration = new Registration(client, History, key, publish, () => _registrations.TryRemove(new(key, registration!)));
        _registrations[key] = registration;
        return registration;
    }

    private IStockHistoryGrain History => client.Ref<IStockHistoryGrain>(0);

    private sealed class Registration : GrainObserverRegistration<IStockMovementObserver, StockMovement>, IStockMovementObserver
    {
        private readonly IStockHistoryGrain _history;
        private readonly IInventoryGrain _grain;
        private readonly string _storeId;
        private readonly string _sku;
        private readonly Action _removed;
        private readonly SemaphoreSlim _order = new(1, 1);
        private long _last;

        public Registration(IClusterClient client, IStockHistoryGrain history, string key, Action<StockMovement> publish, Action removed)
            : base(client, publish)
        {
            (_history, _removed) = (history, removed);
            (_storeId, _sku) = InventoryKey.Parse(key);
            _grain = client.Ref<IInventoryGrain>(key);
        }

        public Task StockMoved(IReadOnlyList<StockMovement> movements) => Deliver(movements);

        /// <summary>Publishes <paramref name="movements"/> in order, after whatever this node missed between them and the last it published.</summary>
        public async Task Deliver(IReadOnlyList<StockMovement> movements)
        {
            await _order.WaitAsync();
            try
            {
                foreach (var movement in movements)
                {
                    if (movement.Version <= _last)
                    {
                        continue;
                    }
                    while (_last > 0 && movement.Version > _last + 1)
                    {
                        var missed = await _history.Movements(_storeId, _sku, _last, (int)Math.Min(StockHistory.MaxPage, movement.Version - _last - 1));
                        if (missed.Count == 0)
                        {
                            break;
                        }
                        foreach (var m in missed)
                        {
                            await Publish(m);
                            _last = m.Version;
                        }
                    }
                    await Publish(movement);
                    _last = movement.Version;
                }
            }
            finally
            {
                _order.Release();
            }
        }

        protected override Task Subscribe(IStockMovementObserver reference) => _grain.SubscribeMovements(reference);

        protected override async Task Unsubscribe(IStockMovementObserver reference)
        {
            _removed();
            await _grain.UnsubscribeMovements(reference);
        }
    }
}
