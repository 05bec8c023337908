using System.Text.Json.Serialization;

namespace Omni.Orders;

/// <summary>
/// The rules of one order and of the checkout saga that places it, free of Orleans and of
/// storage: Placing (every hold is committed, in any order, each once) → PLACED; or, when a hold
/// cannot be committed, Cancelling (committed units go back, the rest are released) →
/// CANCELLED. Commands validate and emit events; <see cref="Apply"/> is the only place state
/// changes. The grain performs the inventory calls and records their outcomes here.
/// </summary>
public sealed class OrderLedger
{
    private readonly List<OrderLine> _lines = [];
    private readonly SortedSet<int> _committed = [];
    private readonly List<OrderEvent> _pending = [];

    public OrderLedger(Guid id)
    {
        Id = id;
    }

    public Guid Id { get; }
    public SagaStep Step { get; private set; }
    public OrderStatus Status { get; private set; }
    public Guid CartId { get; private set; }
    public string? CustomerId { get; private set; }
    public string Currency { get; private set; } = "EUR";
    public DateTimeOffset PlacedAt { get; private set; }
    public UserError? CancelReason { get; private set; }
    public long Version { get; private set; }
    public IReadOnlyList<OrderLine> Lines => _lines;

    /// <summary>The lines (by index) whose hold has been committed.</summary>
    public IReadOnlySet<int> Committed => _committed;

    public bool Exists => Step != SagaStep.None;

    /// <summary>Who commits the holds: binds every commit to this order, so no other sale can reuse them.</summary>
    public string Sale => $"order:{Id:N}";

    public OrderView View() => new(Id, CartId, CustomerId,
        Step switch { SagaStep.Done => Status, SagaStep.Cancelling => OrderStatus.CANCELLED, _ => OrderStatus.PLACED },
        [.. _lines], Currency, PlacedAt, Version);

    /// <summary>The refusal to report with the view: why a placement was cancelled, if it was.</summary>
    public IReadOnlyList<UserError> Errors =>
        CancelReason is { } reason && Status == OrderStatus.CANCELLED && _committed.Count < _lines.Count ? [reason] : [];

    // ------------------------------------------------------------------ commands

    public UserError? Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency, DateTimeOffset now)
    {
        if (Exists)
        {
            return null;
        }
        if (lines.Count == 0)
        {
            return UserError.InvalidArgument("lines", "an order needs at least one line");
        }
        if (lines.Any(l => string.IsNullOrEmpty(l.ReservationId) || string.IsNullOrEmpty(l.StoreId) || l.Quantity < 1))
        {
            return UserError.InvalidArgument("lines", "every order line needs a hold at a location and a positive quantity");
        }
        Emit(new OrderPlacing(cartId, customerId, [.. lines], currency, now));
        return null;
    }

    /// <summary>Records the lines whose hold is now committed.</summary>
    public void RecordCommitted(IEnumerable<int> lines)
    {
        var fresh = lines.Where(i => !_committed.Contains(i)).Order().ToArray();
        if (Step == SagaStep.Placing && fresh.Length > 0)
        {
            Emit(new LinesCommitted(fresh));
        }
    }

    /// <summary>Every hold is committed: the order is placed.</summary>
    public void CompletePlacing()
    {
        if (Step == SagaStep.Placing && _committed.Count == _lines.Count)
        {
            Emit(new OrderPlaced());
        }
    }

    /// <summary>Starts undoing: while placing (a hold could not be committed) or on request once placed.</summary>
    public UserError? StartCancelling(UserError? reason)
    {
        switch (Step)
        {
            case SagaStep.None:
                return UserError.NotFound("orderId", $"no order {Id}");
            case SagaStep.Done when Status == OrderStatus.COMPLETED:
                return new UserError(ErrorCode.CONFLICT, "a completed order is returned, not cancelled", "orderId");
            case SagaStep.Done when Status == OrderStatus.CANCELLED:
            case SagaStep.Cancelling:
                return null;
            default:
                Emit(new CancelStarted(reason));
                return null;
        }
    }

    public void CompleteCancelling()
    {
        if (Step == SagaStep.Cancelling)
        {
            Emit(new OrderCancelled());
        }
    }

    public UserError? Advance(OrderStatus status)
    {
        var allowed = (Step, Status, status) switch
        {
            (SagaStep.Done, OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP) => true,
            (SagaStep.Done, OrderStatus.PLACED or OrderStatus.READY_FOR_PICKUP, OrderStatus.COMPLETED) => true,
            _ => false,
        };
        if (!allowed)
        {
            return new UserError(ErrorCode.CONFLICT, $"an order that is {View().Status} cannot become {status}", "status");
        }
        Emit(new StatusChanged(status));
        return null;
    }

    public OrderCommit? TakeCommit(DateTimeOffset at)
    {
        if (_pending.Count == 0)
        {
            return null;
        }
        var commit = new OrderCommit(at, [.. _pending]);
        _pending.Clear();
        Version++;
        return commit;
    }

    // ------------------------------------------------------------------ events

    public void Apply(OrderCommit commit)
    {
        foreach (var e in commit.Events)
        {
            Apply(e);
        }
        Version++;
    }

    private void Emit(OrderEvent e)
    {
        _pending.Add(e);
        Apply(e);
    }

    private void Apply(OrderEvent e)
    {
        switch (e)
        {
            case OrderPlacing p:
                Step = SagaStep.Placing;
                Status = OrderStatus.PLACED;
                CartId = p.CartId;
                CustomerId = p.CustomerId;
                _lines.AddRange(p.Lines);
                Currency = p.Currency;
                PlacedAt = p.At;
                break;
            case LinesCommitted c:
                _committed.UnionWith(c.Lines);
                break;
            case OrderPlaced:
                Step = SagaStep.Done;
                Status = OrderStatus.PLACED;
                break;
            case CancelStarted c:
                Step = SagaStep.Cancelling;
                CancelReason = c.Reason;
                break;
            case OrderCancelled:
                Step = SagaStep.Done;
                Status = OrderStatus.CANCELLED;
                break;
            case StatusChanged s:
                Status = s.Status;
                break;
            default:
                throw new InvalidOperationException($"unknown order event {e.GetType().Name}");
        }
    }

    // ------------------------------------------------------------------ snapshot

    public OrderSnapshot ToSnapshot() => new(Step, Status, CartId, CustomerId, [.. _lines], Currency, PlacedAt, [.. _committed], CancelReason, Version);

    public static OrderLedger FromSnapshot(Guid id, OrderSnapshot s)
    {
        var ledger = new OrderLedger(id)
        {
            Step = s.Step,
            Status = s.Status,
            CartId = s.CartId,
            CustomerId = s.CustomerId,
            Currency = s.Currency,
            PlacedAt = s.PlacedAt,
            CancelReason = s.CancelReason,
            Version = s.Version,
        };
        ledger._lines.AddRange(s.Lines);
        ledger._committed.UnionWith(s.Committed);
        return ledger;
    }
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(OrderPlacing), "placing")]
[JsonDerivedType(typeof(LinesCommitted), "committed")]
[JsonDerivedType(typeof(OrderPlaced), "placed")]
[JsonDerivedType(typeof(CancelStarted), "cancelling")]
[JsonDerivedType(typeof(OrderCancelled), "cancelled")]
[JsonDerivedType(typeof(StatusChanged), "status")]
public abstract record OrderEvent;

/// <summary>The order is written first, with the holds it needs; then the saga commits them.</summary>
public sealed record OrderPlacing(Guid CartId, string? CustomerId, IReadOnlyList<OrderLine> Lines, string Currency, DateTimeOffset At) : OrderEvent;
public sealed record LinesCommitted(IReadOnlyList<int> Lines) : OrderEvent;
public sealed record OrderPlaced : OrderEvent;
public sealed record CancelStarted(UserError? Reason) : OrderEvent;
public sealed record OrderCancelled : OrderEvent;
public sealed record StatusChanged(OrderStatus Status) : OrderEvent;

/// <summary>One durable change of an order (one version).</summary>
public sealed record OrderCommit(DateTimeOffset At, IReadOnlyList<OrderEvent> Events);

public sealed record OrderSnapshot(
    SagaStep Step, OrderStatus Status, Guid CartId, string? CustomerId, IReadOnlyList<OrderLine> Lines, string Currency,
    DateTimeOffset PlacedAt, IReadOnlyList<int> Committed, UserError? CancelReason, long Version);
