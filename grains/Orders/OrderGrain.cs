using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Hosting;
using Omni.Inventory;
using Orleans.Utilities;

namespace Omni.Orders;

/// <summary>
/// One order and the checkout saga that places it. The order is written first, with the holds
/// it needs (status Placing) and a reminder; then each hold is committed (idempotent by its
/// reservation id). If a hold cannot be committed the order turns to Cancelling: committed
/// units are returned, the rest released, and it ends CANCELLED. After a crash the reminder
/// brings the order back and it carries on from where it was, so it always ends PLACED with
/// every unit committed or CANCELLED with every hold released, never in between.
/// </summary>
public sealed partial class OrderGrain(
    [PersistentState("order")] IPersistentState<OrderState> state,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<OrderOptions> options,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    private const string SagaReminder = "saga";
    private readonly ObserverManager<IOrderObserver> _observers = new(TimeSpan.FromMinutes(1), logger);

    private OrderState Order => state.State;
    private Guid Id => this.GetPrimaryKey();

    public Task<OrderView?> Get() => Task.FromResult(Order.Step == SagaStep.None ? null : View());

    public async Task<OrderResult> Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency)
    {
        if (Order.Step == SagaStep.None)
        {
            if (lines.Count == 0)
            {
                return Result(UserError.InvalidArgument("lines", "an order needs at least one line"));
            }
            Order.CartId = cartId;
            Order.CustomerId = customerId;
            Order.Lines = [.. lines];
            Order.Currency = currency;
            Order.PlacedAt = clock.GetUtcNow();
            Order.Step = SagaStep.Placing;
            await this.RegisterOrUpdateReminder(SagaReminder, options.Value.SagaRetryPeriod, options.Value.SagaRetryPeriod);
            await Save();
        }
        return await Drive();
    }

    public async Task<OrderResult> Cancel()
    {
        switch (Order.Step)
        {
            case SagaStep.None:
                return Result(UserError.NotFound("orderId", $"no order {Id}"));
            case SagaStep.Done when Order.Status == OrderStatus.COMPLETED:
                return Result(new UserError(ErrorCode.CONFLICT, "a completed order is returned, not cancelled", "orderId"));
            case SagaStep.Done when Order.Status == OrderStatus.CANCELLED:
                return new OrderResult(View(), []);
            case SagaStep.Done:
                Order.Step = SagaStep.Cancelling;
                Order.CancelReason = null;
                await this.RegisterOrUpdateReminder(SagaReminder, options.Value.SagaRetryPeriod, options.Value.SagaRetryPeriod);
                await Save();
                break;
        }
        return await Drive();
    }

    public async Task<OrderResult> Advance(OrderStatus status)
    {
        var allowed = (Order.Step, Order.Status, status) switch
        {
            (SagaStep.Done, OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP) => true,
            (SagaStep.Done, OrderStatus.PLACED or OrderStatus.READY_FOR_PICKUP, OrderStatus.COMPLETED) => true,
            _ => false,
        };
        if (!allowed)
        {
            return Result(new UserError(ErrorCode.CONFLICT, $"an order that is {Order.Status} cannot become {status}", "status"));
        }
        Order.Status = status;
        await Save();
        return new OrderResult(View(), []);
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

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SagaReminder)
        {
            await Drive();
        }
    }

    /// <summary>Carries the saga as far as it goes; every step is idempotent, so re-running it after a crash is safe.</summary>
    private async Task<OrderResult> Drive()
    {
        if (Order.Step == SagaStep.Placing)
        {
            for (var i = Order.Committed; i < Order.Lines.Count; i++)
            {
                var line = Order.Lines[i];
                var committed = await GrainFactory.Inventory(line.StoreId, line.Sku).Commit(line.ReservationId);
                if (!committed.Succeeded)
                {
                    Order.Step = SagaStep.Cancelling;
                    Order.CancelReason = committed.Error!.Code == ErrorCode.INSUFFICIENT_STOCK
                        ? committed.Error
                        : new UserError(ErrorCode.INSUFFICIENT_STOCK, $"{line.Sku} at {line.StoreId} could not be sold: {committed.Error.Message}", "cartId");
                    await Save();
                    break;
                }
                Order.Committed = i + 1;
                await state.WriteStateAsync();
            }
            if (Order.Step == SagaStep.Placing)
            {
                Order.Step = SagaStep.Done;
                Order.Status = OrderStatus.PLACED;
                await Save();
                await StopReminder();
            }
        }

        if (Order.Step == SagaStep.Cancelling)
        {
            // Committed units go back into stock where they were taken; the rest are released.
            for (var i = 0; i < Order.Lines.Count; i++)
            {
                var line = Order.Lines[i];
                var stock = GrainFactory.Inventory(line.StoreId, line.Sku);
                var undone = i < Order.Committed
                    ? await stock.RecordReturn($"order-{Id:N}-{i}-back", line.Quantity)
                    : await stock.Release(line.ReservationId);
                if (!undone.Succeeded && undone.Error!.Code is not (ErrorCode.NOT_FOUND or ErrorCode.CONFLICT))
                {
                    LogUndoRefused(logger, Id, line.Sku, line.StoreId, undone.Error.Message);
                }
            }
            Order.Step = SagaStep.Done;
            Order.Status = OrderStatus.CANCELLED;
            await Save();
            await StopReminder();
        }

        return Order.CancelReason is { } reason && Order.Status == OrderStatus.CANCELLED && Order.Committed < Order.Lines.Count
            ? new OrderResult(View(), [reason])
            : new OrderResult(View(), []);
    }

    private async Task StopReminder()
    {
        if (await this.GetReminder(SagaReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task Save()
    {
        Order.Version++;
        await state.WriteStateAsync();
        if (Order.Step == SagaStep.Done)
        {
            var view = View();
            await _observers.Notify(o => o.OrderChanged(view));
        }
    }

    private OrderResult Result(UserError error) => new(Order.Step == SagaStep.None ? null : View(), [error]);

    private OrderView View() => new(Id, Order.CartId, Order.CustomerId,
        Order.Step == SagaStep.Done ? Order.Status : Order.Step == SagaStep.Cancelling ? OrderStatus.CANCELLED : OrderStatus.PLACED,
        [.. Order.Lines], Order.Currency, Order.PlacedAt, Order.Version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OrderId}: undoing {Sku} at {StoreId} was refused: {Reason}")]
    private static partial void LogUndoRefused(ILogger logger, Guid orderId, string sku, string storeId, string reason);
}

[GenerateSerializer, Alias("Omni.Orders.SagaStep")]
public enum SagaStep
{
    None,
    Placing,
    Cancelling,
    Done,
}

[GenerateSerializer, Alias("Omni.Orders.OrderState")]
public sealed class OrderState
{
    [Id(0)] public SagaStep Step { get; set; }
    [Id(1)] public OrderStatus Status { get; set; }
    [Id(2)] public Guid CartId { get; set; }
    [Id(3)] public string? CustomerId { get; set; }
    [Id(4)] public List<OrderLine> Lines { get; set; } = [];
    [Id(5)] public string Currency { get; set; } = "EUR";
    [Id(6)] public DateTimeOffset PlacedAt { get; set; }
    /// <summary>How many lines (in order) have had their hold committed.</summary>
    [Id(7)] public int Committed { get; set; }
    [Id(8)] public UserError? CancelReason { get; set; }
    [Id(9)] public long Version { get; set; }
}

public sealed class OrderOptions
{
    /// <summary>How soon an interrupted placement or cancellation is picked up again (Orleans' minimum reminder period applies).</summary>
    public TimeSpan SagaRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
