using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Catalog;
using Omni.Common;
using Omni.Hosting;
using Omni.Inventory;
using Omni.Stores;
using Orleans.Utilities;

namespace Omni.Transfers;

/// <summary>
/// One transfer, run as a saga like an order (DESIGN rule 5): each step is written to
/// <c>omni_transfer</c> (in flight) before it is carried out at the inventory grains, and cleared
/// once every line is done. Every inventory call is idempotent per transfer id (the origin's hold
/// is the transfer id, owned by <c>transfer:{id}</c>; TRANSFER_OUT commits it; TRANSFER_IN is
/// remembered by transfer id), so a step carried out twice moves nothing twice. A reminder,
/// registered before a step starts and removed once the transfer is at rest, brings the grain
/// back to finish a step its silo died in.
/// </summary>
public sealed partial class TransferGrain(
    TransferStore store,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<TransferOptions> options,
    ILogger<TransferGrain> logger) : Grain, ITransferGrain, IRemindable
{
    private const string SagaReminder = "transfer-saga";

    private readonly ObserverManager<ITransferObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private TransferLedger _ledger = null!;
    private long _durableVersion;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        var state = await store.Load(id, cancellationToken);
        _ledger = state is null ? new TransferLedger(id) : TransferLedger.FromState(id, state);
        _durableVersion = _ledger.Version;
        if (_ledger.InFlight)
        {
            // A step its previous activation did not finish: carry it on now, not only at the next reminder.
            this.RegisterGrainTimer(static (grain, _) => grain.Resume(), this, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
    }

    public Task<TransferView?> Get() => Task.FromResult(_ledger.Exists ? _ledger.View() : null);

    public async Task<TransferResult> Request(string fromStoreId, string toStoreId, IReadOnlyList<TransferLineRequest> lines, MovementContext by)
    {
        if (_ledger.Exists)
        {
            await Drive();
            return _ledger.Matches(fromStoreId, toStoreId, lines)
                ? new TransferResult(_ledger.View(), _ledger.Refusal)
                : Refused(new UserError(ErrorCode.CONFLICT, $"transfer {_ledger.Id} already exists with other terms", "transferId"));
        }
        if ((TransferLedger.CheckRequest(_ledger.Id, fromStoreId, toStoreId, lines) ?? by.Check() ?? await Unknown(fromStoreId, toStoreId, lines)) is { } invalid)
        {
            return Refused(invalid);
        }
        _ledger.Request(fromStoreId, toStoreId, lines, by, clock.GetUtcNow());
        await Save();
        await Drive();
        return new TransferResult(_ledger.View(), _ledger.Refusal);
    }

    public Task<TransferResult> Dispatch(MovementContext by) => Command(async now =>
    {
        if (_ledger.Status == TransferStatus.REQUESTED && await Short() is { } shortfall)
        {
            return shortfall; // on-hand at the origin fell below the hold (a count): nothing to send
        }
        return _ledger.Dispatch(by, now);
    });

    public Task<TransferResult> Receive(IReadOnlyList<TransferLineRequest>? received, MovementContext by) =>
        Command(now => Task.FromResult(_ledger.Receive(received, by, now)));

    public Task<TransferResult> Cancel(MovementContext by) =>
        Command(now => Task.FromResult(_ledger.Cancel(by, now)));

    public async Task<TransferResult> Resume()
    {
        if (_ledger.Exists)
        {
            await Drive();
        }
        return new TransferResult(_ledger.Exists ? _ledger.View() : null);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != SagaReminder)
        {
            return;
        }
        await Resume();
    }

    public Task Subscribe(ITransferObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ITransferObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A command on an existing transfer: an interrupted step is finished first, so a command
    /// always sees the transfer at rest; a refusal writes nothing; an accepted command is written
    /// (in flight) and carried out before the caller hears back.
    /// </summary>
    private async Task<TransferResult> Command(Func<DateTimeOffset, Task<UserError?>> command)
    {
        if (!_ledger.Exists)
        {
            return Refused(UserError.NotFound("transferId", $"no transfer {_ledger.Id}"));
        }
        await Drive();
        var version = _ledger.Version;
        if (await command(clock.GetUtcNow()) is { } refusal)
        {
            return new TransferResult(_ledger.View(), refusal);
        }
        if (_ledger.Version != version)
        {
            await Save();
            await Drive();
        }
        return new TransferResult(_ledger.View());
    }

    /// <summary>Carries the step in flight out, line by line, then marks it done; a no-op at rest.</summary>
    private async Task Drive()
    {
        while (_ledger.InFlight)
        {
            var by = _ledger.StepBy ?? MovementContext.System;
            var step = _ledger.Step;
            var pending = _ledger.Pending.ToList();
            var results = await Task.WhenAll(pending.Select(line => Carry(step, line, by)));
            UserError? refused = null;
            foreach (var (line, result) in pending.Zip(results))
            {
                if (result.Succeeded || Settled(step, result.Error!))
                {
                    _ledger.LineDone(line.Sku);
                }
                else
                {
                    refused ??= result.Error;
                    LogStepRefused(logger, _ledger.Id, step.ToString(), line.Sku, result.Error!.Code.ToString());
                }
            }
            if (refused is not null && step == TransferStep.Holding)
            {
                // Not enough to hold: the request ends cancelled and the holds it got go back.
                _ledger.HoldRefused(refused, clock.GetUtcNow());
                await Save();
                continue;
            }
            if (refused is not null)
            {
                // The step stays in flight; the reminder tries again (an origin count may be corrected).
                return;
            }
            _ledger.CompleteStep(clock.GetUtcNow());
            await Save();
        }
    }

    private Task<StockResult> Carry(TransferStep step, TransferLine line, MovementContext by) => step switch
    {
        TransferStep.Holding => Origin(line).HoldForTransfer(_ledger.Id, line.Quantity, by),
        TransferStep.Dispatching => Origin(line).TransferOut(_ledger.Id, by),
        TransferStep.Receiving => Destination(line).TransferIn(_ledger.Id, line.Received, by),
        TransferStep.Cancelling => Origin(line).ReleaseTransferHold(_ledger.Id, by),
        _ => throw new InvalidOperationException($"no step {step}"),
    };

    /// <summary>A release finds the hold already gone (never made, or released before a crash): nothing left to do.</summary>
    private static bool Settled(TransferStep step, UserError error) =>
        step == TransferStep.Cancelling && error.Code is ErrorCode.NOT_FOUND or ErrorCode.CONFLICT;

    private IInventoryGrain Origin(TransferLine line) => GrainFactory.Inventory(_ledger.FromStoreId, line.Sku);

    private IInventoryGrain Destination(TransferLine line) => GrainFactory.Inventory(_ledger.ToStoreId, line.Sku);

    /// <summary>INSUFFICIENT_STOCK when a count left an origin with fewer units on hand than the transfer holds.</summary>
    private async Task<UserError?> Short()
    {
        var levels = await Task.WhenAll(_ledger.Lines.Select(l => Origin(l).GetStock()));
        return _ledger.Lines.Zip(levels).FirstOrDefault(p => p.Second.OnHand < p.First.Quantity) is { First: { } line, Second: { } level }
            ? new UserError(ErrorCode.INSUFFICIENT_STOCK, $"only {level.OnHand} of {line.Sku} on hand at {_ledger.FromStoreId}, the transfer holds {line.Quantity}", "transferId")
            : null;
    }

    private async Task<UserError?> Unknown(string fromStoreId, string toStoreId, IReadOnlyList<TransferLineRequest> lines)
    {
        var directory = GrainFactory.Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key);
        if (await directory.Get(fromStoreId) is null)
        {
            return UserError.NotFound("fromStoreId", $"no location '{fromStoreId}'");
        }
        if (await directory.Get(toStoreId) is null)
        {
            return UserError.NotFound("toStoreId", $"no location '{toStoreId}'");
        }
        var known = await GrainFactory.Ref<ICatalogGrain>(ICatalogGrain.Key).Known([.. lines.Select(l => l.Sku)]);
        return lines.FirstOrDefault(l => !known.Contains(l.Sku)) is { } missing
            ? UserError.NotFound("lines", $"no product '{missing.Sku}'")
            : null;
    }

    /// <summary>
    /// Writes the transfer. The reminder is in place before a step is written and goes once the
    /// transfer is at rest, so a step is never in flight without something to finish it.
    /// </summary>
    private async Task Save()
    {
        if (_ledger.InFlight)
        {
            await this.RegisterOrUpdateReminder(SagaReminder, options.Value.SagaRetryPeriod, options.Value.SagaRetryPeriod);
        }
        try
        {
            await store.Save(_ledger.Id, _durableVersion, _ledger.ToState());
        }
        catch
        {
            // What is in memory is not what is stored: the next activation reloads the truth.
            DeactivateOnIdle();
            throw;
        }
        _durableVersion = _ledger.Version;
        if (!_ledger.InFlight && await this.GetReminder(SagaReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        var view = _ledger.View();
        await _observers.Notify(o => o.TransferChanged(view));
    }

    private static TransferResult Refused(UserError error) => new(null, error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transfer {TransferId}: {Step} of {Sku} was refused ({Code}); the saga retries")]
    private static partial void LogStepRefused(ILogger logger, string transferId, string step, string sku, string code);
}

/// <summary>Reads transfers by location from PostgreSQL, on whichever silo takes the call.</summary>
[StatelessWorker]
public sealed class TransferDirectoryGrain(TransferStore store) : Grain, ITransferDirectoryGrain
{
    public async Task<IReadOnlyList<TransferView>> List(string storeId, TransferStatus? status, int first) =>
        [.. (await store.List(storeId, status, Math.Clamp(first, 0, ITransferDirectoryGrain.MaxPage)))
            .Select(t => TransferLedger.FromState(t.Id, t.State).View())];

    public async Task<int> Incoming(string storeId, string sku) => (await store.Incoming([(storeId, sku)]))[0];

    public Task<IReadOnlyList<int>> IncomingMany(IReadOnlyList<string> storeIds, IReadOnlyList<string> skus) =>
        store.Incoming([.. storeIds.Zip(skus).Take(MaxIncomingKeys)]);

    /// <summary>The most locations' SKUs one <see cref="IncomingMany"/> reads (a request's stock levels are fewer).</summary>
    private const int MaxIncomingKeys = 20_000;
}

public sealed class TransferOptions
{
    /// <summary>How often an interrupted step is retried by the transfer's reminder.</summary>
    public TimeSpan SagaRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
