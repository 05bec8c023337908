using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Inventory;
using Omni.Orders;

namespace Omni.Api.Live;

/// <summary>Carts by id (<see cref="Guid"/> in "D" form).</summary>
public sealed class CartFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<CartFeed> logger)
    : LiveFeed<CartView>(options, logger)
{
    public static string KeyOf(Guid cartId) => cartId.ToString("D");

    protected override long VersionOf(CartView state) => state.Version;

    protected override Task<CartView?> Current(string key) => Grain(key).Get();

    protected override IFeedRegistration Register(string key, Action<CartView> publish) => new Registration(client, Grain(key), publish);

    private ICartGrain Grain(string key) => client.GetGrain<ICartGrain>(Guid.Parse(key));

    private sealed class Registration : IFeedRegistration, ICartObserver
    {
        private readonly IClusterClient _client;
        private readonly ICartGrain _grain;
        private readonly Action<CartView> _publish;
        private readonly ICartObserver _reference;

        public Registration(IClusterClient client, ICartGrain grain, Action<CartView> publish)
        {
            (_client, _grain, _publish) = (client, grain, publish);
            _reference = client.CreateObjectReference<ICartObserver>(this);
        }

        public Task CartChanged(CartView cart)
        {
            _publish(cart);
            return Task.CompletedTask;
        }

        public Task Renew() => _grain.Subscribe(_reference);

        public async Task Remove()
        {
            try
            {
                await _grain.Unsubscribe(_reference);
            }
            finally
            {
                _client.DeleteObjectReference<ICartObserver>(this);
            }
        }
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

    private IOrderGrain Grain(string key) => client.GetGrain<IOrderGrain>(Guid.Parse(key));

    private sealed class Registration : IFeedRegistration, IOrderObserver
    {
        private readonly IClusterClient _client;
        private readonly IOrderGrain _grain;
        private readonly Action<OrderView> _publish;
        private readonly IOrderObserver _reference;

        public Registration(IClusterClient client, IOrderGrain grain, Action<OrderView> publish)
        {
            (_client, _grain, _publish) = (client, grain, publish);
            _reference = client.CreateObjectReference<IOrderObserver>(this);
        }

        public Task OrderChanged(OrderView order)
        {
            _publish(order);
            return Task.CompletedTask;
        }

        public Task Renew() => _grain.Subscribe(_reference);

        public async Task Remove()
        {
            try
            {
                await _grain.Unsubscribe(_reference);
            }
            finally
            {
                _client.DeleteObjectReference<IOrderObserver>(this);
            }
        }
    }
}

/// <summary>The stock of one SKU at one location, by inventory key (<c>{storeId}/{sku}</c>).</summary>
public sealed class StockFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<StockFeed> logger)
    : LiveFeed<StockLevel>(options, logger)
{
    protected override long VersionOf(StockLevel state) => state.Version;

    protected override async Task<StockLevel?> Current(string key) => await Grain(key).GetStock();

    protected override IFeedRegistration Register(string key, Action<StockLevel> publish) => new Registration(client, Grain(key), publish);

    private IInventoryGrain Grain(string key) => client.GetGrain<IInventoryGrain>(key);

    private sealed class Registration : IFeedRegistration, IStockObserver
    {
        private readonly IClusterClient _client;
        private readonly IInventoryGrain _grain;
        private readonly Action<StockLevel> _publish;
        private readonly IStockObserver _reference;

        public Registration(IClusterClient client, IInventoryGrain grain, Action<StockLevel> publish)
        {
            (_client, _grain, _publish) = (client, grain, publish);
            _reference = client.CreateObjectReference<IStockObserver>(this);
        }

        public Task StockChanged(StockLevel stock)
        {
            _publish(stock);
            return Task.CompletedTask;
        }

        public Task Renew() => _grain.Subscribe(_reference);

        public async Task Remove()
        {
            try
            {
                await _grain.Unsubscribe(_reference);
            }
            finally
            {
                _client.DeleteObjectReference<IStockObserver>(this);
            }
        }
    }
}
