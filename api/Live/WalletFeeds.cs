using Microsoft.Extensions.Options;
using Omni.Customers;
using Omni.Wallets;

namespace Omni.Api.Live;

/// <summary>Wallets by customer id: every change, in version order, on every API node.</summary>
public sealed class WalletFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<WalletFeed> logger)
    : LiveFeed<WalletView>(options, logger)
{
    protected override long VersionOf(WalletView state) => state.Version;

    protected override async Task<WalletView?> Current(string key) => await Grain(key).Get();

    protected override IFeedRegistration Register(string key, Action<WalletView> publish) => new Registration(client, Grain(key), publish);

    private IWalletGrain Grain(string key) => client.GetGrain<IWalletGrain>(key);

    private sealed class Registration(IClusterClient client, IWalletGrain grain, Action<WalletView> publish)
        : GrainObserverRegistration<IWalletObserver, WalletView>(client, publish), IWalletObserver
    {
        public Task WalletChanged(WalletView wallet) => Publish(wallet);

        protected override Task Subscribe(IWalletObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(IWalletObserver reference) => grain.Unsubscribe(reference);
    }
}

/// <summary>Timelines by customer id: each new entry, in the timeline's order (its sequence).</summary>
public sealed class TimelineFeed(IClusterClient client, IOptions<LiveOptions> options, ILogger<TimelineFeed> logger)
    : LiveFeed<TimelineItem>(options, logger)
{
    protected override long VersionOf(TimelineItem state) => state.Sequence;

    protected override Task<TimelineItem?> Current(string key) => Grain(key).Last();

    protected override IFeedRegistration Register(string key, Action<TimelineItem> publish) => new Registration(client, Grain(key), publish);

    private ICustomerTimelineGrain Grain(string key) => client.GetGrain<ICustomerTimelineGrain>(key);

    private sealed class Registration(IClusterClient client, ICustomerTimelineGrain grain, Action<TimelineItem> publish)
        : GrainObserverRegistration<ITimelineObserver, TimelineItem>(client, publish), ITimelineObserver
    {
        public Task EntryAdded(TimelineItem item) => Publish(item);

        protected override Task Subscribe(ITimelineObserver reference) => grain.Subscribe(reference);

        protected override Task Unsubscribe(ITimelineObserver reference) => grain.Unsubscribe(reference);
    }
}
