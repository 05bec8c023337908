using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Hosting;
using Omni.Inventory;
using Omni.Journal;
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
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    private const string LegacySagaReminder = "saga";
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
    }

    public Task<OrderView?> Get() => Task.FromResult(_ledger.Exists ? _ledger.View() : null);

    public async Task<OrderResult> Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency)
    {
        ThrowIfBroken();
        if (!_ledger.Exists)
        {
            if (_ledger.Place(cartId, customerId, lines, currency, clock.GetUtcNow()) is { } invalid)
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

    public async Task<OrderResult> Advance(OrderStatus status)
    {
        ThrowIfBroken();
        if (_ledger.Advance(status) is { } refused)
        {
            return new OrderResult(_ledger.Exists ? _ledger.View() : null, [refused]);
        }
        await Save();
        return new OrderResult(_ledger.View(), []);
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
        var wasRunning = _ledger.Step is SagaStep.Placing or SagaStep.Cancelling;
        var result = await Drive();
        if (wasRunning && _ledger.Step == SagaStep.Done)
        {
            // Finished after a crash: the cart that asked may still be waiting to hear.
            GrainFactory.GetGrain<ICartGrain>(_ledger.CartId).ResolveCheckout().Ignore();
        }
        return result;
    }

    /// <summary>
    /// Orders placed by earlier versions kept a reminder while their saga ran; one that fires after
    /// an upgrade carries its saga on and goes (the sweeper does this for orders since).
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != LegacySagaReminder || _broken)
        {
            return;
        }
        await Resume();
        if (_ledger.Step is not (SagaStep.Placing or SagaStep.Cancelling) && await this.GetReminder(LegacySagaReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Carries the saga as far as it goes; every step is idempotent, so re-running it after a crash is safe.</summary>
    private async Task<OrderResult> Drive()
    {
        if (_ledger.Step == SagaStep.Placing)
        {
            var open = Enumerable.Range(0, _ledger.Lines.Count).Where(i => !_ledger.Committed.Contains(i)).ToList();
            var results = await Task.WhenAll(open.Select(i =>
            {
                var line = _ledger.Lines[i];
                return GrainFactory.Inventory(line.StoreId, line.Sku).Commit(line.ReservationId, by: _ledger.Sale);
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
                _ledger.CompletePlacing();
            }
            await Save();
        }

        if (_ledger.Step == SagaStep.Cancelling)
        {
            // Committed units go back into stock where they were taken; the rest are released.
            await Task.WhenAll(_ledger.Lines.Select(async (line, i) =>
            {
                var stock = GrainFactory.Inventory(line.StoreId, line.Sku);
                var undone = _ledger.Committed.Contains(i)
                    ? await stock.RecordReturn($"order-{Id:N}-{i}-back", line.Quantity)
                    : await stock.Release(line.ReservationId);
                if (!undone.Succeeded && undone.Error!.Code is not (ErrorCode.NOT_FOUND or ErrorCode.CONFLICT or ErrorCode.RESERVATION_EXPIRED))
                {
                    LogUndoRefused(logger, Id, line.Sku, line.StoreId, undone.Error.Message);
                }
            }));
            _ledger.CompleteCancelling();
            await Save();
        }

        return new OrderResult(_ledger.Exists ? _ledger.View() : null, _ledger.Errors);
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
            await _journal.Append(commit, _ledger.ToSnapshot, inFlight: _ledger.Step is SagaStep.Placing or SagaStep.Cancelling);
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
}
