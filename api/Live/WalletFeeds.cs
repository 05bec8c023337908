using Microsoft.Extensions.Options;
using Omni.Common;
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

    protected override void Renewed(IFeedRegistration registration, WalletView current, Action<WalletView> publish) =>
        ((Registration)registration).WalletChanged(current);

    private IWalletGrain Grain(string key) => client.Ref<IWalletGrain>(key);

    private sealed class Registration(IClusterClient client, IWalletGrain grain, Action<WalletView> publish)
        : GrainObserverRegistration<IWalletObserver, WalletView>(client, publish), IWalletObserver
    {
        private readonly InVersionOrder<WalletView> _inOrder = new(w => w.Version, publish);

        public Task WalletChanged(WalletView wallet)
        {
            _inOrder.Add(wallet);
            return Task.CompletedTask;
        }

        protected override async Task Subscribe(IWalletObserver reference) => _inOrder.From(await grain.Subscribe(reference));

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

    protected override void Renewed(IFeedRegistration registration, TimelineItem current, Action<TimelineItem> publish) =>
        ((Registration)registration).EntryAdded(current);

    private ICustomerTimelineGrain Grain(string key) => client.Ref<ICustomerTimelineGrain>(key);

    private sealed class Registration(IClusterClient client, ICustomerTimelineGrain grain, Action<TimelineItem> publish)
        : GrainObserverRegistration<ITimelineObserver, TimelineItem>(client, publish), ITimelineObserver
    {
        private readonly InVersionOrder<TimelineItem> _inOrder = new(i => i.Sequence, publish);

        public Task EntryAdded(TimelineItem item)
        {
            _inOrder.Add(item);
            return Task.CompletedTask;
        }

        protected override async Task Subscribe(ITimelineObserver reference) => _inOrder.From(await grain.Subscribe(reference));

        protected override Task Unsubscribe(ITimelineObserver reference) => grain.Unsubscribe(reference);
    }
}

/// <summary>
/// A grain publishes its versions in order, but the callbacks reach this node's observer on the
/// thread pool, so two quick ones may arrive swapped; the feed would then drop the older one as
/// stale. This puts them back in order: a version after a gap waits (at most
/// <see cref="MaxWait"/>, or until <see cref="MaxEarly"/> are waiting) for the ones before it.
/// Until the grain has said which version the observer hears the changes after (<see cref="From"/>,
/// the answer to subscribing), everything that arrives waits the same way, so even the first two
/// changes cannot overtake each other.
/// </summary>
public sealed class InVersionOrder<T>(Func<T, long> versionOf, Action<T> publish) where T : class
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(250);
    public const int MaxEarly = 64;

    private readonly Lock _lock = new();
    private readonly SortedList<long, T> _early = [];
    private long? _last;
    private int _waiting;

    /// <summary>
    /// The grain registered the observer after <paramref name="version"/>: what follows it is next.
    /// Only the first answer counts: a renewal's answer may be ahead of changes still on their way
    /// here, and those must not be skipped (a change that is really lost is passed after the wait).
    /// </summary>
    public void From(long version)
    {
        lock (_lock)
        {
            if (_last is null)
            {
                _last = version;
                while (_early.Count > 0 && _early.Keys[0] <= version)
                {
                    _early.RemoveAt(0);
                }
                Drain(all: false);
            }
        }
    }

    public void Add(T state)
    {
        var version = versionOf(state);
        lock (_lock)
        {
            if (_last is { } last && version <= last)
            {
                return;
            }
            if (_last is not null && version == _last + 1)
            {
                Emit(state, version);
                Drain(all: false);
                return;
            }
            _early[version] = state;
            if (_early.Count > MaxEarly)
            {
                Drain(all: true);
            }
            else if (_waiting++ == 0)
            {
                _ = Task.Delay(MaxWait).ContinueWith(_ => TimeUp(), TaskScheduler.Default);
            }
        }
    }

    /// <summary>The gap did not fill in time (a version was lost, or skipped by a new activation): go on from what is here.</summary>
    private void TimeUp()
    {
        lock (_lock)
        {
            _waiting = 0;
            Drain(all: true);
        }
    }

    private void Drain(bool all)
    {
        while (_early.Count > 0 && (all || (_last is not null && _early.Keys[0] == _last + 1)))
        {
            var (version, state) = (_early.Keys[0], _early.Values[0]);
            _early.RemoveAt(0);
            Emit(state, version);
        }
        if (_early.Count == 0)
        {
            _waiting = 0;
        }
    }

    private void Emit(T state, long version)
    {
        _last = version;
        publish(state);
    }
}
