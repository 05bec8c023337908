using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Catalog;
using Omni.Common;
using Omni.Hosting;
using Omni.Journal;
using Omni.Stores;
using Orleans.Utilities;

namespace Omni.Inventory;

/// <summary>
/// The single writer of one SKU's stock at one location. Rules live in <see cref="StockLedger"/>;
/// this grain adds durability and time:
/// <list type="bullet">
/// <item>Group commit. The grain is reentrant: a call applies its change to the ledger at once
/// (one turn, so checks and changes never interleave) and then waits until a journal write
/// that includes it has completed. While one write is in flight, every change that arrives
/// joins the next one, so a burst of reservations costs a few writes, not one each. Each write
/// goes through the silo's <see cref="JournalCommitter"/>, which puts the writes of many
/// SKUs-at-locations (and of carts and orders) into one transaction.</item>
/// <item>Expiry. A timer fires at the earliest hold's expiry; a reminder, registered while
/// holds exist, brings the grain back after a crash so lapsed holds return to available.</item>
/// <item>Publishing. After each durable write the new level goes to observers and to the SKU grain.</item>
/// </list>
/// </summary>
[Reentrant]
public sealed partial class InventoryGrain(
    InventoryStore store,
    JournalCommitter committer,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<InventoryOptions> options,
    ILogger<InventoryGrain> logger) : Grain, IInventoryGrain, IRemindable
{
    private const string ExpiryReminder = "expire-holds";

    private readonly ObserverManager<IStockObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private readonly ObserverManager<IStockMovementObserver> _movementObservers = new(TimeSpan.FromMinutes(1), logger);
    private StockLedger _ledger = null!;
    private long _durableVersion;
    private long _inFlightTo;
    private TaskCompletionSource? _inFlight;
    private TaskCompletionSource _next = NewSignal();
    private Task? _flushLoop;
    private long _eventsSinceSnapshot;
    private Task? _snapshotWrite;
    private Exception? _broken;
    private bool _known;
    private IGrainTimer? _expiryTimer;
    private DateTimeOffset? _expiryTimerDue;
    private bool _reminderRegistered;
    private StockLevel? _lastPublished;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (storeId, sku) = InventoryKey.Parse(this.GetPrimaryKeyString());
        var (snapshot, events) = await store.Load(storeId, sku, cancellationToken);
        _ledger = snapshot is null
            ? new StockLedger(storeId, sku, options.Value.Retention)
            : StockLedger.FromSnapshot(storeId, sku, snapshot, options.Value.Retention);
        foreach (var e in events)
        {
            _ledger.Apply(e);
        }
        _durableVersion = _ledger.Version;
        _eventsSinceSnapshot = events.Count;
        _known = _ledger.Version > 0;
        _lastPublished = _ledger.Level;

        if (_ledger.Holds.Count > 0)
        {
            _reminderRegistered = await this.GetReminder(ExpiryReminder) is not null;
            // Holds that lapsed while no silo had this grain go back to available now.
            if (_ledger.ExpireDue(clock.GetUtcNow()) > 0)
            {
                await WaitDurable(_ledger.Version);
            }
            ScheduleExpiry();
        }
    }

    public Task<StockLevel> GetStock() => Task.FromResult(_ledger.Level);

    public Task<Reservation?> GetReservation(string reservationId) => Task.FromResult(_ledger.FindReservation(reservationId));

    public Task<StockResult> Receive(string movementId, int quantity, MovementContext? context = null) =>
        MovementChange(MovementKind.Movement, movementId, (l, now, r) => l.Receive(movementId, quantity, now, r, context));

    public Task<StockResult> SetCount(string movementId, int onHand, MovementContext? context = null) =>
        MovementChange(MovementKind.Movement, movementId, (l, now, r) => l.SetCount(movementId, onHand, now, r, context));

    public Task<StockResult> SetSafetyStock(string movementId, int safetyStock, MovementContext? context = null) =>
        MovementChange(MovementKind.Movement, movementId, (l, now, r) => l.SetSafetyStock(movementId, safetyStock, now, r, context));

    public Task<StockResult> Reserve(string reservationId, int quantity, TimeSpan holdFor, string? owner, MovementContext? context = null) =>
        Change((l, now) => l.Reserve(reservationId, quantity, holdFor, owner, now, context));

    public Task<StockResult> AdjustReservation(string operationId, string reservationId, int quantity, TimeSpan holdFor) =>
        Change((l, now) => l.AdjustReservation(operationId, reservationId, quantity, holdFor, now));

    public Task<StockResult> Release(string reservationId, MovementContext? context = null) =>
        Change((l, now) => l.Release(reservationId, now, context));

    public Task<StockResult> Commit(string reservationId, string? owner = null, string? by = null, MovementContext? context = null) =>
        Change((l, now) => l.Commit(reservationId, now, owner, by, context));

    public Task<StockResult> RecordSale(string saleId, int quantity, MovementContext? context = null) =>
        MovementChange(MovementKind.Sale, saleId, (l, now, r) => l.RecordSale(saleId, quantity, now, r, context));

    public Task<StockResult> RecordReturn(string returnId, int quantity, MovementContext? context = null) =>
        MovementChange(MovementKind.Return, returnId, (l, now, r) => l.RecordReturn(returnId, quantity, now, r, context));

    public Task<StockResult> HoldForTransfer(string transferId, int quantity, MovementContext context) =>
        Change((l, now) => l.HoldForTransfer(transferId, quantity, now, context));

    public Task<StockResult> TransferOut(string transferId, MovementContext context)
    {
        var owner = StockLedger.TransferOwner(transferId);
        return Change((l, now) => l.Commit(transferId, now, owner, owner, context));
    }

    public Task<StockResult> ReleaseTransferHold(string transferId, MovementContext context) =>
        Change((l, now) => l.Release(transferId, now, context));

    public Task<StockResult> TransferIn(string transferId, int quantity, MovementContext context) =>
        MovementChange(MovementKind.TransferIn, transferId, (l, now, r) => l.TransferIn(transferId, quantity, now, r, context));

    public Task SubscribeMovements(IStockMovementObserver observer)
    {
        _movementObservers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeMovements(IStockMovementObserver observer)
    {
        _movementObservers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task<StockLevel> ExpireDue()
    {
        ThrowIfBroken();
        _ledger.ExpireDue(clock.GetUtcNow());
        await WaitDurable(_ledger.Version);
        return _ledger.Level;
    }

    public Task Subscribe(IStockObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IStockObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }
        await ExpireDue();
        if (_ledger.NextExpiry is null && _reminderRegistered)
        {
            var reminder = await this.GetReminder(ExpiryReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
            _reminderRegistered = false;
        }
    }

    /// <summary>
    /// Runs one command against the ledger and returns its outcome once everything it saw is
    /// durable. Refusals need no write; an idempotent replay waits for its first write if that
    /// is still in flight.
    /// </summary>
    private async Task<StockResult> Change(Func<StockLedger, DateTimeOffset, StockResult> command)
    {
        ThrowIfBroken();
        if (!_known && await Unknown() is { } missing)
        {
            return new StockResult(_ledger.Level, Error: missing);
        }
        var result = command(_ledger, clock.GetUtcNow());
        await WaitDurable(_ledger.Version);
        return result;
    }

    /// <summary>
    /// A change of on-hand (receipt, count, safety stock, sale, return). Its id may have been
    /// pruned from the ledger's memory by other callers' traffic (<c>MaxIds</c>); the durable
    /// record (<c>omni_inventory_movement_id</c>, written with the journal) still knows it, so an id
    /// the ledger does not remember is looked up there before it is applied as new (DESIGN rule 7).
    /// </summary>
    private async Task<StockResult> MovementChange(string kind, string id, Func<StockLedger, DateTimeOffset, MovementRecord?, StockResult> command)
    {
        ThrowIfBroken();
        if (!_known && await Unknown() is { } missing)
        {
            return new StockResult(_ledger.Level, Error: missing);
        }
        var remembered = _ledger.Remembers(kind, id) ? null : await store.FindMovement(_ledger.StoreId, _ledger.Sku, kind, id);
        ThrowIfBroken();
        var result = command(_ledger, clock.GetUtcNow(), remembered);
        await WaitDurable(_ledger.Version);
        return result;
    }

    /// <summary>A location or SKU that does not exist gets NOT_FOUND before any stock is written for it.</summary>
    private async Task<UserError?> Unknown()
    {
        var storeTask = GrainFactory.Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).Get(_ledger.StoreId);
        var productTask = GrainFactory.Ref<IProductGrain>(_ledger.Sku).Get();
        if (await storeTask is null)
        {
            return UserError.NotFound("storeId", $"no location '{_ledger.StoreId}'");
        }
        if (await productTask is null)
        {
            return UserError.NotFound("sku", $"no product '{_ledger.Sku}'");
        }
        _known = true;
        return null;
    }

    private Task WaitDurable(long version)
    {
        if (version <= _durableVersion)
        {
            return Task.CompletedTask;
        }
        if (_inFlight is not null && version <= _inFlightTo)
        {
            return _inFlight.Task;
        }
        var next = _next.Task;
        if (_flushLoop is null && FlushLoop() is { IsCompleted: false } loop)
        {
            _flushLoop = loop;
        }
        return next;
    }

    /// <summary>Writes batches until nothing is pending; one write in flight at a time.</summary>
    private async Task FlushLoop()
    {
        try
        {
            while (_ledger.TakePending() is { Count: > 0 } events)
            {
                var movements = _ledger.TakePendingMovements();
                var ledger = _ledger.TakePendingLedger();
                _inFlight = _next;
                _next = NewSignal();
                _inFlightTo = _ledger.Version;
                var level = _ledger.Level;
                _eventsSinceSnapshot += events.Count;
                // Captured now, at the batch's last version; written only once the batch is durable.
                var snapshot = _snapshotWrite is null && _eventsSinceSnapshot >= SnapshotThreshold() ? _ledger.ToSnapshot() : null;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    await committer.AppendInventory(level, events.Count, InventoryStore.Serialize(events), InventoryStore.Serialize(movements),
                        InventoryStore.Serialize(ledger));
                    InventoryMetrics.WriteDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                    InventoryMetrics.BatchEvents.Record(events.Count);
                }
                catch (Exception e)
                {
                    // What is in memory may now differ from what is stored: fail everyone who waits,
                    // refuse new calls, and let the next activation reload the truth.
                    _broken = e;
                    LogWriteFailed(logger, e, this.GetPrimaryKeyString(), level.Version);
                    _inFlight.TrySetException(e);
                    _next.TrySetException(e);
                    DeactivateOnIdle();
                    return;
                }
                _durableVersion = _inFlightTo;
                // The crash backstop is in place before a hold is acknowledged: a silo that dies
                // right after answering must not leave a hold that only a caller could lapse.
                await EnsureExpiryReminder();
                if (snapshot is not null)
                {
                    _eventsSinceSnapshot = 0;
                    if (WriteSnapshot(snapshot) is { IsCompleted: false } write)
                    {
                        _snapshotWrite = write;
                    }
                }
                _inFlight.TrySetResult();
                _inFlight = null;
                await AfterDurable(level, ledger);
            }
        }
        finally
        {
            _flushLoop = null;
        }
    }

    /// <summary>
    /// A snapshot costs a write of the whole ledger, so it is taken once the events since the
    /// last one reach half the ledger's entries: the cost per event stays constant as holds grow.
    /// </summary>
    private long SnapshotThreshold() =>
        Math.Max(options.Value.SnapshotEveryEvents, (_ledger.Holds.Count + _ledger.AppliedCount) / 2);

    /// <summary>Runs beside the journal appends; a failure only means the next snapshot comes later.</summary>
    private async Task WriteSnapshot(LedgerSnapshot snapshot)
    {
        try
        {
            await store.WriteSnapshot(_ledger.StoreId, _ledger.Sku, snapshot);
        }
        catch (Exception e)
        {
            LogSnapshotFailed(logger, e, this.GetPrimaryKeyString(), snapshot.Version);
        }
        finally
        {
            _snapshotWrite = null;
        }
    }

    private async Task AfterDurable(StockLevel level, IReadOnlyList<StockMovement> ledger)
    {
        if (_lastPublished is null || level.Version > _lastPublished.Version)
        {
            _lastPublished = level;
            await _observers.Notify(o => o.StockChanged(level));
            if (_movementObservers.Count > 0 && ledger.Count > 0)
            {
                await _movementObservers.Notify(o => o.StockMoved(ledger));
            }
            _ = GrainFactory.Ref<ISkuGrain>(level.Sku).Report(level);
        }
        ScheduleExpiry();
    }

    private async Task EnsureExpiryReminder()
    {
        if (_ledger.NextExpiry is not null && !_reminderRegistered)
        {
            try
            {
                var period = options.Value.ExpiryReminderPeriod;
                await this.RegisterOrUpdateReminder(ExpiryReminder, period, period);
                _reminderRegistered = true;
            }
            catch (Exception e)
            {
                // The timer still expires holds while this activation lives; the next change retries.
                LogReminderFailed(logger, e, this.GetPrimaryKeyString());
            }
        }
    }

    private void ScheduleExpiry()
    {
        var due = _ledger.NextExpiry;
        if (due is null || (_expiryTimer is not null && _expiryTimerDue <= due))
        {
            return;
        }
        _expiryTimer?.Dispose();
        _expiryTimerDue = due;
        var delay = due.Value - clock.GetUtcNow();
        _expiryTimer = this.RegisterGrainTimer(
            static async (grain, _) => await grain.OnExpiryTimer(),
            this,
            new GrainTimerCreationOptions(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    private async Task OnExpiryTimer()
    {
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        _expiryTimerDue = null;
        if (_broken is null)
        {
            await ExpireDue();
            ScheduleExpiry();
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken is not null)
        {
            throw new InventoryUnavailableException(
                $"inventory {this.GetPrimaryKeyString()} is reloading after a failed write ({_broken.Message}); retry with the same id", _broken);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inventory {Key}: the journal write up to version {Version} failed; reloading")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string key, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inventory {Key}: the snapshot at version {Version} was not written")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string key, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inventory {Key}: could not register the expiry reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, string key);
}

/// <summary>The grain lost track of what is durable and is reloading; the caller retries with the same id.</summary>
[GenerateSerializer, Alias("Omni.Inventory.InventoryUnavailableException")]
public sealed class InventoryUnavailableException : Exception
{
    public InventoryUnavailableException()
    {
    }

    public InventoryUnavailableException(string message) : base(message)
    {
    }

    public InventoryUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

public sealed class InventoryOptions
{
    /// <summary>Events between snapshots at least (more when the ledger is large).</summary>
    public int SnapshotEveryEvents { get; set; } = 1000;
    /// <summary>How long applied ids are remembered for retries.</summary>
    public TimeSpan KeepIdsFor { get; set; } = TimeSpan.FromHours(24);
    /// <summary>At most how many applied ids one location/SKU remembers.</summary>
    public int MaxIds { get; set; } = 200_000;
    /// <summary>How often the crash backstop looks for lapsed holds (a period under a minute lowers Orleans' reminder minimum).</summary>
    public TimeSpan ExpiryReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    public LedgerRetention Retention => new(KeepIdsFor, MaxIds);
}
