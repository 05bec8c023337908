using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Common;
using Omni.Customers;
using Omni.Hosting;
using Omni.Inventory;
using Omni.Journal;
using Omni.Wallets;
using Orleans.Utilities;

namespace Omni.Orders;

/// <summary>
/// One order and the checkout saga that places it: the Orleans shell around
/// <see cref="OrderLedger"/>. The order is written first, with the holds it needs, its stream
/// marked in flight; then every hold is committed at once (each bound to this order, so no other
/// sale can ever use it); if one cannot be, committed units are returned and the rest released.
/// After a crash the <see cref="SagaSweeper"/> finds the stream still in flight and the order
/// carries on from where it was, so it always ends PLACED with every unit committed or CANCELLED
/// with every hold released, and then tells its cart.
/// </summary>
public sealed partial class OrderGrain(
    JournalCommitter committer,
    LegacyGrainState legacy,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<JournalOptions> journalOptions,
    IOptions<OrderOptions> orderOptions,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    private const string LegacySagaReminder = "saga";
    private const string PickupWindowReminder = "pickup-window";
    private IGrainReminder? _pickupReminder;
    private readonly ObserverManager<IOrderObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private OrderLedger _ledger = null!;
    private StreamJournal<OrderCommit, OrderSnapshot> _journal = null!;
    private bool _broken;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"order/{Id:N}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        _ledger = snapshot is null ? new OrderLedger(Id) : OrderLedger.FromSnapshot(Id, snapshot);
        foreach (var commit in commits)
        {
            _ledger.Apply(commit);
        }
        if (_journal.Version == 0 && await legacy.Read<OrderStateV1>("order", this.GetGrainId()) is { Step: not SagaStep.None } old)
        {
            _ledger = OrderLedger.FromSnapshot(Id, old.ToSnapshot());
            await _journal.Adopt(_ledger.Version, _ledger.ToSnapshot(), cancellationToken);
        }
        if (_ledger.NextCollectBy is not null)
        {
            _pickupReminder = await this.GetReminder(PickupWindowReminder);
        }
    }

    public Task<OrderView?> Get() => Task.FromResult(_ledger.Exists ? _ledger.View() : null);

    public async Task<OrderResult> Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency, Channel? channel = null)
    {
        ThrowIfBroken();
        if (!_ledger.Exists)
        {
            if (_ledger.Place(cartId, customerId, lines, currency, clock.GetUtcNow(), channel) is { } invalid)
            {
                return new OrderResult(null, [invalid]);
            }
            await Save();
        }
        return await Drive();
    }

    public async Task<OrderResult> Cancel()
    {
        ThrowIfBroken();
        _ledger.At(clock.GetUtcNow());
        var wasDone = _ledger.Step == SagaStep.Done;
        if (_ledger.StartCancelling(null) is { } refused)
        {
            return new OrderResult(_ledger.Exists ? _ledger.View() : null, [refused]);
        }
        if (wasDone && _ledger.Step == SagaStep.Cancelling)
        {
            await Save();
        }
        return await Drive();
    }

    public Task<OrderResult> MarkReadyForPickup(string fulfillmentId) =>
        Change(now => _ledger.MarkReadyForPickup(fulfillmentId, now, orderOptions.Value.PickupWindow));

    public Task<OrderResult> ConfirmPickup(string fulfillmentId) => Change(_ => _ledger.ConfirmPickup(fulfillmentId));

    public Task<OrderResult> MarkShipped(string fulfillmentId) => Change(_ => _ledger.MarkShipped(fulfillmentId));

    /// <summary>
    /// The return is recorded first (so no later return can take the same units), then its units
    /// go into the store's stock; a retry with the same id, or the saga sweeper after a crash,
    /// finishes what is still owed.
    /// </summary>
    public Task<OrderResult> ReturnLines(string returnId, string storeId, IReadOnlyList<ReturnRequestLine> lines, string? reason) =>
        Change(_ => _ledger.Return(returnId, storeId, lines, reason));

    private async Task<OrderResult> Change(Func<DateTimeOffset, UserError?> command)
    {
        ThrowIfBroken();
        var now = clock.GetUtcNow();
        _ledger.At(now);
        // A pickup whose window passed is cancelled before anything else sees it.
        _ledger.LapsePickups(now);
        var refused = command(now);
        await Save();
        await Drive();
        return new OrderResult(_ledger.Exists ? _ledger.View() : null, refused is null ? [] : [refused]);
    }

    public Task Subscribe(IOrderObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IOrderObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task<OrderResult> Resume()
    {
        ThrowIfBroken();
        _ledger.At(clock.GetUtcNow());
        var wasRunning = _ledger.Step is SagaStep.Placing or SagaStep.Cancelling;
        var result = await Drive();
        if (wasRunning && _ledger.Step == SagaStep.Done)
        {
            // Finished after a crash: the cart that asked may still be waiting to hear.
            GrainFactory.Ref<ICartGrain>(_ledger.CartId).ResolveCheckout().Ignore();
        }
        return result;
    }

    /// <summary>
    /// Orders placed by earlier versions kept a reminder while their saga ran; one that fires after
    /// an upgrade carries its saga on and goes (the sweeper does this for orders since).
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_broken)
        {
            return;
        }
        if (reminderName == PickupWindowReminder)
        {
            var now = clock.GetUtcNow();
            if (_ledger.LapsePickups(now) > 0)
            {
                LogPickupLapsed(logger, Id);
            }
            await Save();
            await Drive();
            if (_ledger.NextCollectBy is null)
            {
                await KeepPickupReminder(force: true);
            }
            return;
        }
        if (reminderName != LegacySagaReminder)
        {
            return;
        }
        await Resume();
        if (_ledger.Step is not (SagaStep.Placing or SagaStep.Cancelling) && await this.GetReminder(LegacySagaReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>The order's stock movements: by the order, through its channel, for its customer.</summary>
    private MovementContext Moved() => new(_ledger.Sale, _ledger.Channel, CustomerId: _ledger.CustomerId);

    /// <summary>Carries the saga as far as it goes; every step is idempotent, so re-running it after a crash is safe.</summary>
    private async Task<OrderResult> Drive()
    {
        if (_ledger.Step == SagaStep.Placing)
        {
            var open = Enumerable.Range(0, _ledger.Lines.Count).Where(i => !_ledger.Committed.Contains(i)).ToList();
            var results = await Task.WhenAll(open.Select(i =>
            {
                var line = _ledger.Lines[i];
                return GrainFactory.Inventory(line.StoreId, line.Sku).Commit(line.ReservationId, by: _ledger.Sale, context: Moved());
            }));
            _ledger.RecordCommitted(open.Where((_, k) => results[k].Succeeded));
            var refused = open.Select((i, k) => (Line: _ledger.Lines[i], Result: results[k])).FirstOrDefault(r => !r.Result.Succeeded);
            if (refused.Result is { Error: { } error })
            {
                _ledger.StartCancelling(error.Code == ErrorCode.INSUFFICIENT_STOCK
                    ? error
                    : new UserError(ErrorCode.INSUFFICIENT_STOCK, $"{refused.Line.Sku} at {refused.Line.StoreId} could not be sold: {error.Message}", "cartId"));
            }
            else
            {
                if (_ledger.CustomerId is { } buyer && _ledger.RedeemedAtCheckout is null)
                {
                    // Every unit is sold: the points the customer set aside for the cart are spent
                    // (once, by the order's id), then the order is placed.
                    try
                    {
                        var spent = await GrainFactory.Ref<IWalletGrain>(buyer).RedeemHeld(
                            $"order:{Id:N}:redeemed", _ledger.CartId, new WalletSource(OrderId: Id, Channel: _ledger.Channel));
                        _ledger.RecordCheckoutRedemption(spent.Succeeded ? spent.Moved : 0);
                    }
                    catch
                    {
                        // Still placing, in flight: a retry of the checkout or the saga sweeper carries on.
                        await Save();
                        throw;
                    }
                }
                _ledger.CompletePlacing();
            }
            await Save();
        }

        if (_ledger.Step == SagaStep.Cancelling)
        {
            // Committed units go back into stock where they were taken (but not those of a pickup
            // that lapsed before: they went back then); the rest are released.
            await Task.WhenAll(_ledger.LinesToUndo().Select(async i =>
            {
                var line = _ledger.Lines[i];
                var stock = GrainFactory.Inventory(line.StoreId, line.Sku);
                var undone = _ledger.Committed.Contains(i)
                    ? await stock.RecordReturn(_ledger.BackMovement(i), line.Quantity, Moved())
                    : await stock.Release(line.ReservationId, Moved());
                if (!undone.Succeeded && undone.Error!.Code is not (ErrorCode.NOT_FOUND or ErrorCode.CONFLICT or ErrorCode.RESERVATION_EXPIRED))
                {
                    LogUndoRefused(logger, Id, line.Sku, line.StoreId, undone.Error.Message);
                }
            }));
            _ledger.CompleteCancelling();
            await Save();
        }

        if (_ledger.Owed.Count > 0)
        {
            // Units of a lapsed pickup or of a return go into their store's stock, each under an id
            // of its own, so doing it again after a crash or a retry is a no-op there.
            var owed = _ledger.Owed.ToList();
            var results = await Task.WhenAll(owed.Select(o => GrainFactory.Inventory(o.StoreId, o.Sku).RecordReturn(o.Movement, o.Quantity, Moved())));
            foreach (var (o, r) in owed.Zip(results).Where(x => !x.Second.Succeeded))
            {
                LogRestoreRefused(logger, Id, o.Sku, o.StoreId, r.Error!.Message);
            }
            _ledger.RecordRestored(owed.Zip(results).Where(x => x.Second.Succeeded).Select(x => x.First.Movement));
            await Save();
        }

        if (_ledger.CustomerId is { } customerId && (_ledger.PointsOwed.Count > 0 || _ledger.TimelineOutbox.Count > 0))
        {
            await SettleWithCustomer(customerId);
            await Save();
        }

        return new OrderResult(_ledger.Exists ? _ledger.View() : null, _ledger.Errors);
    }

    /// <summary>
    /// The customer's points (earned, taken back) and timeline entries this order owes, in order.
    /// Each wallet change has an id derived from the order, and each entry its own id, so doing
    /// this again after a crash changes nothing there; what fails stays owed, the stream stays in
    /// flight, and the saga sweeper tries again.
    /// </summary>
    private async Task SettleWithCustomer(string customerId)
    {
        try
        {
            var wallet = GrainFactory.Ref<IWalletGrain>(customerId);
            var settled = new List<string>();
            foreach (var owed in _ledger.PointsOwed)
            {
                var source = new WalletSource(OrderId: Id, Channel: _ledger.Channel, Amount: owed.Amount);
                var result = owed.Move switch
                {
                    PointsMove.Earn => await wallet.Earn(owed.Id, owed.Points, source),
                    PointsMove.Reverse => await wallet.Reverse(owed.Id, owed.Points, source),
                    PointsMove.Refund => await wallet.Refund(owed.Id, owed.Points, source),
                    _ => await wallet.ReleaseHolds(_ledger.CartId),
                };
                if (result.Error is { } refused)
                {
                    // A refusal is for good (the id was used for other terms, a bound): retrying cannot change it.
                    LogPointsRefused(logger, Id, owed.Id, refused.Message);
                }
                settled.Add(owed.Id);
            }
            _ledger.RecordPointsSettled(settled);
        }
        catch (Exception e)
        {
            LogSettleFailed(logger, e, Id, "wallet");
        }
        try
        {
            var entries = _ledger.TimelineOutbox.Take(CustomerTimelineGrain.MaxDelivery).ToList();
            if (entries.Count > 0)
            {
                await GrainFactory.Ref<ICustomerTimelineGrain>(customerId).Deliver([.. entries.Select(e => e.Entry)]);
                _ledger.RecordDelivered(entries[^1].Number);
            }
        }
        catch (Exception e)
        {
            LogSettleFailed(logger, e, Id, "timeline");
        }
    }

    /// <summary>Writes what changed as the next version, then publishes once the saga is at rest.</summary>
    private async Task Save()
    {
        if (_ledger.TakeCommit(clock.GetUtcNow()) is not { } commit)
        {
            return;
        }
        try
        {
            // The stream is marked in flight while the saga runs, for the saga sweeper.
            await _journal.Append(commit, _ledger.ToSnapshot, inFlight: _ledger.InFlight);
        }
        catch (Exception e)
        {
            _broken = true;
            DeactivateOnIdle();
            LogCommitFailed(logger, e, Id, _ledger.Version);
            throw new JournalUnavailableException($"order {Id} could not store its change; retry", e);
        }
        if (_ledger.Step == SagaStep.Done)
        {
            var view = _ledger.View();
            await _observers.Notify(o => o.OrderChanged(view));
            await TellPickupQueues(view);
            await KeepPickupReminder(force: false);
        }
    }

    /// <summary>Every store with a pickup of this order hears of each change (idempotent there by version).</summary>
    private async Task TellPickupQueues(OrderView view)
    {
        await Task.WhenAll(view.Fulfillments.Where(f => f.Kind == FulfillmentKind.PICKUP).Select(f => f.StoreId).Distinct().Select(async store =>
        {
            try
            {
                await GrainFactory.Ref<IPickupQueueGrain>(store).Update(view);
            }
            catch (Exception e)
            {
                // The order's next change carries its whole state, so the queue catches up then.
                LogQueueUpdateFailed(logger, e, Id, store);
            }
        }));
    }

    /// <summary>
    /// A reminder exists exactly while a pickup waits at a counter: it lapses the pickup once its
    /// <c>collectBy</c> has passed, with nobody calling and across silo restarts. Its period
    /// (<see cref="OrderOptions.PickupCheckPeriod"/>) bounds how late a lapse can be, since the
    /// domain clock need not be the runtime's.
    /// </summary>
    private async Task KeepPickupReminder(bool force)
    {
        var period = orderOptions.Value.PickupCheckPeriod;
        if (_ledger.NextCollectBy is { } collectBy)
        {
            if (_pickupReminder is null || force)
            {
                var wait = collectBy - clock.GetUtcNow();
                var due = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > period ? period : wait;
                _pickupReminder = await this.RegisterOrUpdateReminder(PickupWindowReminder, due, period);
            }
        }
        else if (_pickupReminder is not null || force)
        {
            if ((_pickupReminder ??= await this.GetReminder(PickupWindowReminder)) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _pickupReminder = null;
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new JournalUnavailableException($"order {Id} is reloading after a failed write; retry");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId}: undoing {Sku} at {StoreId} was refused: {Reason}")]
    private static partial void LogUndoRefused(ILogger logger, Guid orderId, string sku, string storeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: putting {Sku} back at {StoreId} was refused ({Reason}); the saga sweeper retries")]
    private static partial void LogRestoreRefused(ILogger logger, Guid orderId, string sku, string storeId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId}: the wallet refused the points owed under {WalletId}: {Reason}")]
    private static partial void LogPointsRefused(ILogger logger, Guid orderId, string walletId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: what it owes the customer's {Target} could not be settled; the saga sweeper retries")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, Guid orderId, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: the pickup queue of {StoreId} could not be told of a change")]
    private static partial void LogQueueUpdateFailed(ILogger logger, Exception exception, Guid orderId, string storeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: a pickup was not collected in time and is cancelled")]
    private static partial void LogPickupLapsed(ILogger logger, Guid orderId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId}: the commit of version {Version} was not stored; reloading")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, Guid orderId, long version);
}

[GenerateSerializer, Alias("Omni.Orders.SagaStep")]
public enum SagaStep
{
    None,
    Placing,
    Cancelling,
    Done,
}

/// <summary>An order as earlier versions stored it whole in Orleans' grain storage (state name "order").</summary>
public sealed class OrderStateV1
{
    public SagaStep Step { get; set; }
    public OrderStatus Status { get; set; }
    public Guid CartId { get; set; }
    public string? CustomerId { get; set; }
    public List<OrderLine> Lines { get; set; } = [];
    public string Currency { get; set; } = "EUR";
    public DateTimeOffset PlacedAt { get; set; }
    /// <summary>How many lines (in order) had their hold committed.</summary>
    public int Committed { get; set; }
    public UserError? CancelReason { get; set; }
    public long Version { get; set; }

    public OrderSnapshot ToSnapshot() =>
        new(Step, Status, CartId, CustomerId, Lines, Currency, PlacedAt, [.. Enumerable.Range(0, Committed)], CancelReason, Version);
}

public sealed class OrderOptions
{
    /// <summary>How often each silo's saga sweeper looks for placements or cancellations a crash interrupted, and how long one must have been in flight to be picked up.</summary>
    public TimeSpan SagaRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a pickup waits at the counter once ready (<c>collectBy</c> = ready time + this) before it is cancelled and its units go back.</summary>
    public TimeSpan PickupWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often an order with a pickup waiting checks its window (the reminder's period): the most a lapse can be late.</summary>
    public TimeSpan PickupCheckPeriod { get; set; } = TimeSpan.FromHours(1);
}
