using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Common;
using Omni.Inventory;
using Omni.Orders;

namespace Omni.Api.Live;

/// <summary>Carts by id (<see cref="Guid"/> in "D" form).</summary>
public sealed class CartFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<CartFeed> logger)
    : LiveFeed<CartView>(options, logger)
{
    public static string KeyOf(Guid cartId) => cartId.ToString("D");

    protected override long VersionOf(CartView state) => state.Version;

    /// <summary>A cart notifies every commit, and each commit is one version.</summary>
    protected override TimeSpan ReorderWait => TimeSpan.FromMilliseconds(250);

    protected override Task<CartView?> Current(string key) => Grain(key).Get();

    protected override IFeedRegistration Register(string key, Action<CartView> publish) => new Registration(client, Grain(key), publish);

    private ICartGrain Grain(string key) => client.Ref<ICartGrain>(Guid.Parse(key));

    private sealed class Registration(IClusterClient client, ICartGrain grain, Action<CartView> publish)
        : GrainObserverRegistration<ICartObserver, CartView>(client, publish), ICartObserver
    {
        public Task CartChanged(CartView cart) => Publish(cart);

        protected override Task Subscribe(ICartObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(ICartObserver reference) => grain.Unsubscribe(reference);
    }
}

/// <summary>Orders by id (<see cref="Guid"/> in "D" form).</summary>
public sealed class OrderFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<OrderFeed> logger)
    : LiveFeed<OrderView>(options, logger)
{
    public static string KeyOf(Guid orderId) => orderId.ToString("D");

    protected override long VersionOf(OrderView state) => state.Version;

    protected override Task<OrderView?> Current(string key) => Grain(key).Get();

    protected override IFeedRegistration Register(string key, Action<OrderView> publish) => new Registration(client, Grain(key), publish);

    private IOrderGrain Grain(string key) => client.Ref<IOrderGrain>(Guid.Parse(key));

    private sealed class Registration(IClusterClient client, IOrderGrain grain, Action<OrderView> publish)
        : GrainObserverRegistration<IOrderObserver, OrderView>(client, publish), IOrderObserver
    {
        public Task OrderChanged(OrderView order) => Publish(order);

        protected override Task Subscribe(IOrderObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(IOrderObserver reference) => grain.Unsubscribe(reference);
    }
}

/// <summary>
/// The pickup queue of one store, by store id: each change is an order's new state, versioned by
/// the queue, so a subscriber sees the queue's changes in order (and each order's versions too).
/// </summary>
public sealed class PickupQueueFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<PickupQueueFeed> logger)
    : LiveFeed<PickupQueueChange>(options, logger)
{
    protected override long VersionOf(PickupQueueChange state) => state.Version;

    /// <summary>The queue notifies every commit, and each commit is one version.</summary>
    protected override TimeSpan ReorderWait => TimeSpan.FromMilliseconds(250);

    protected override Task<PickupQueueChange?> Current(string key) => Grain(key).Last();

    protected override IFeedRegistration Register(string key, Action<PickupQueueChange> publish) => new Registration(client, Grain(key), publish);

    private IPickupQueueGrain Grain(string key) => client.Ref<IPickupQueueGrain>(key);

    private sealed class Registration(IClusterClient client, IPickupQueueGrain grain, Action<PickupQueueChange> publish)
        : GrainObserverRegistration<IPickupQueueObserver, PickupQueueChange>(client, publish), IPickupQueueObserver
    {
        public Task QueueChanged(PickupQueueChange change) => Publish(change);

        protected override Task Subscribe(IPickupQueueObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(IPickupQueueObserver reference) => grain.Unsubscribe(reference);
    }
}

/// <summary>The stock of one SKU at one location, by inventory key (<c>{storeId}/{sku}</c>).</summary>
public sealed class StockFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<StockFeed> logger)
    : LiveFeed<StockLevel>(options, logger)
{
    protected override long VersionOf(StockLevel state) => state.Version;

    protected override async Task<StockLevel?> Current(string key) => await Grain(key).GetStock();

    protected override IFeedRegistration Register(string key, Action<StockLevel> publish) => new Registration(client, Grain(key), publish);

    private IInventoryGrain Grain(string key) => client.Ref<IInventoryGrain>(key);

    private sealed class Registration(IClusterClient client, IInventoryGrain grain, Action<StockLevel> publish)
        : GrainObserverRegistration<IStockObserver, StockLevel>(client, publish), IStockObserver
    {
        public Task StockChanged(StockLevel stock) => Publish(stock);

        protected override Task Subscribe(IStockObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(IStockObserver reference) => grain.Unsubscribe(reference);
    }
}

/// <summary>Transfers by id.</summary>
public sealed class TransferFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<TransferFeed> logger)
    : LiveFeed<Omni.Transfers.TransferView>(options, logger)
{
    protected override long VersionOf(Omni.Transfers.TransferView state) => state.Version;

    protected override Task<Omni.Transfers.TransferView?> Current(string key) => Grain(key).Get();

    protected override IFeedRegistration Register(string key, Action<Omni.Transfers.TransferView> publish) => new Registration(client, Grain(key), publish);

    private Omni.Transfers.ITransferGrain Grain(string key) => client.Ref<Omni.Transfers.ITransferGrain>(key);

    private sealed class Registration(IClusterClient client, Omni.Transfers.ITransferGrain grain, Action<Omni.Transfers.TransferView> publish)
        : GrainObserverRegistration<Omni.Transfers.ITransferObserver, Omni.Transfers.TransferView>(client, publish), Omni.Transfers.ITransferObserver
    {
        public Task TransferChanged(Omni.Transfers.TransferView transfer) => Publish(transfer);

        protected override Task Subscribe(Omni.Transfers.ITransferObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(Omni.Transfers.ITransferObserver reference) => grain.Unsubscribe(reference);
    }
}
