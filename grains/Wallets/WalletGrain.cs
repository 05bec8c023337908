using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Globalization;
using Omni.Carts;
using Omni.Common;
using Omni.Customers;
using Omni.Hosting;
using Omni.Journal;
using Orleans.Utilities;

namespace Omni.Wallets;

/// <summary>
/// One customer's wallet: the Orleans shell around <see cref="WalletLedger"/>. A change is
/// judged by the ledger, appended to the wallet's journal stream and only then acknowledged and
/// published. Calls are taken one at a time, so every change is judged against the durable
/// state before it: two silos, two API nodes, a hundred tills cannot spend the same point twice.
/// <para>
/// The wallet is also the source of the customer's timeline for what it records (top-ups,
/// charges, points, till sales and returns). Every change stays in the ledger's outbox, part of
/// its durable state, until the timeline acknowledges it; a timer delivers the outbox in order
/// right after each change, and the stream stays marked in flight while anything is undelivered,
/// so after a crash the saga sweeper activates the wallet and the delivery is made then. The
/// timeline keeps each entry id once, so a delivery repeated after a crash adds nothing.
/// </para>
/// </summary>
public sealed partial class WalletGrain(
    JournalCommitter committer,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<JournalOptions> journalOptions,
    ILogger<WalletGrain> logger) : Grain, IWalletGrain
{
    private readonly ObserverManager<IWalletObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private WalletLedger _ledger = null!;
    private StreamJournal<WalletCommit, WalletSnapshot> _journal = null!;
    private bool _broken;
    private IGrainTimer? _delivery;
    private int _deliveryFailures;

    /// <summary>How long points stay set aside for a cart's checkout.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromHours(1);

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"wallet/{Id}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        _ledger = snapshot is null ? new WalletLedger(Id) : WalletLedger.FromSnapshot(Id, snapshot);
        foreach (var commit in commits)
        {
            _ledger.Apply(commit);
        }
        ScheduleDelivery();
    }

    public Task<WalletView> Get() => Task.FromResult(_ledger.View());

    public Task<WalletResult> TopUp(string id, decimal amount, WalletSource? source = null) =>
        Change(now => _ledger.TopUp(id, amount, now, source));

    public Task<WalletResult> Charge(string id, decimal amount, WalletSource? source = null) =>
        Change(now => _ledger.Charge(id, amount, now, source));

    public Task<WalletResult> Redeem(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Redeem(id, points, now, source));

    public Task<WalletResult> Earn(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Earn(id, points, now, source));

    public Task<WalletResult> Reverse(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Reverse(id, points, now, source));

    public Task<WalletResult> Hold(string id, int points, Guid cartId) =>
        Change(now => _ledger.Hold(id, points, cartId, now));

    public Task<WalletResult> RedeemHeld(string id, Guid cartId, WalletSource? source = null) =>
        Change(now => _ledger.RedeemHeld(id, cartId, now, source));

    public Task<WalletResult> ReleaseHolds(Guid cartId) =>
        Change(now => _ledger.ReleaseHolds(cartId, now));

    public Task<WalletResult> Refund(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Refund(id, points, now, source));

    public async Task Resume()
    {
        if (!_broken)
        {
            await Deliver();
        }
    }

    public Task<long> Subscribe(IWalletObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(_ledger.Version);
    }

    public Task Unsubscribe(IWalletObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private async Task<WalletResult> Change(Func<DateTimeOffset, WalletResult> command)
    {
        if (_broken)
        {
            throw new JournalUnavailableException($"wallet {Id} is reloading after a failed write; retry");
        }
        var now = clock.GetUtcNow();
        // Points set aside for a checkout that never came go back first, with the change itself.
        _ledger.ReleaseHoldsOlderThan(now - HoldFor, now);
        var result = command(now);
        if (_ledger.TakeCommit() is not { } commit)
        {
            // A refusal or a retry of a remembered change: nothing new to store.
            return result;
        }
        await Save(commit);
        var view = _ledger.View();
        await _observers.Notify(o => o.WalletChanged(view));
        ScheduleDelivery();
        return result;
    }

    /// <summary>Makes the commit durable; the stream is in flight while the outbox holds anything.</summary>
    private async Task Save(WalletCommit commit)
    {
        try
        {
            await _journal.Append(commit, _ledger.ToSnapshot, inFlight: _ledger.Outbox.Count > 0);
        }
        catch (Exception e)
        {
            // The ledger moved ahead of what is durable: this activation must not answer again.
            _broken = true;
            DeactivateOnIdle();
            LogCommitFailed(logger, e, Id, _ledger.Version);
            throw new JournalUnavailableException($"wallet {Id} could not store its change; retry", e);
        }
    }

    private void ScheduleDelivery(TimeSpan? after = null)
    {
        if (_ledger.Outbox.Count == 0 || _delivery is not null)
        {
            return;
        }
        _delivery = this.RegisterGrainTimer(async () =>
        {
            _delivery?.Dispose();
            _delivery = null;
            try
            {
                await Deliver();
                _deliveryFailures = 0;
            }
            catch (Exception e)
            {
                _deliveryFailures++;
                LogDeliveryFailed(logger, e, Id);
            }
            if (!_broken)
            {
                // More arrived meanwhile, or the timeline failed: again, later the more it fails.
                ScheduleDelivery(TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(_deliveryFailures, 10)) - 100)));
            }
        }, new GrainTimerCreationOptions(after ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = false });
    }

    /// <summary>Sends the outbox to the timeline, in order, and records what it acknowledged.</summary>
    private async Task Deliver()
    {
        while (_ledger.Outbox.Count > 0 && !_broken)
        {
            var batch = _ledger.Outbox.Take(CustomerTimelineGrain.MaxDelivery).ToList();
            await GrainFactory.Ref<ICustomerTimelineGrain>(Id).Deliver([.. batch.Select(Entry)]);
            _ledger.Delivered(batch[^1].Version);
            if (_ledger.TakeCommit() is { } commit)
            {
                await Save(commit);
            }
        }
    }

    /// <summary>The timeline entry of one wallet change; its id is the wallet's version, so a redelivery is the same entry.</summary>
    public static TimelineEntry Entry(OutboxEntry o)
    {
        var e = o.Event;
        var id = $"wallet:{o.Version}";
        var points = o.PointsMoved;
        string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
        var at = e.StoreId is null ? "" : $" at {e.StoreId}";
        return e.Change switch
        {
            WalletChange.ToppedUp => new(id, e.At, TimelineKind.WALLET_TOPPED_UP, $"Wallet topped up by {Money(e.Amount)}", e.Channel, e.StoreId, e.OrderId, e.Amount),
            WalletChange.Charged => new(id, e.At, TimelineKind.WALLET_CHARGED, $"Paid {Money(e.Amount)} from the wallet{at}", e.Channel, e.StoreId, e.OrderId, e.Amount),
            WalletChange.PointsRedeemed => new(id, e.At, TimelineKind.POINTS_REDEEMED, $"Redeemed {-points} points{at}", e.Channel, e.StoreId, e.OrderId, null, points),
            WalletChange.PointsRefunded => new(id, e.At, TimelineKind.POINTS_REVERSED, $"{points} points redeemed on a cancelled order given back", e.Channel, e.StoreId, e.OrderId, null, points),
            WalletChange.PointsEarned when e.OrderId is null && e.StoreId is not null =>
                new(id, e.At, TimelineKind.STORE_SALE, $"Bought for {Money(e.Amount)}{at}, earned {points} points", e.Channel ?? Channel.POS, e.StoreId, null, e.Amount, points),
            WalletChange.PointsEarned => new(id, e.At, TimelineKind.POINTS_EARNED, $"Earned {points} points", e.Channel, e.StoreId, e.OrderId, e.Amount, points),
            WalletChange.PointsReversed when e.OrderId is null && e.StoreId is not null =>
                new(id, e.At, TimelineKind.RETURN, $"Returned goods worth {Money(e.Amount)}{at}, {-points} points taken back", e.Channel ?? Channel.POS, e.StoreId, null, e.Amount, points),
            _ => new(id, e.At, TimelineKind.POINTS_REVERSED, $"{e.Points} points earned were taken back", e.Channel, e.StoreId, e.OrderId, null, points),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {CustomerId}: the timeline could not take the outbox; trying again")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Wallet {CustomerId}: the commit of version {Version} was not stored; reloading")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string customerId, long version);
}
