using System.Text.Json.Serialization;
using System.Globalization;
using Omni.Carts;
using Omni.Customers;

namespace Omni.Orders;

/// <summary>
/// The rules of one order and of the checkout saga that places it, free of Orleans and of
/// storage: Placing (every hold is committed, in any order, each once) → PLACED; or, when a hold
/// cannot be committed, Cancelling (committed units go back, the rest are released) →
/// CANCELLED. Once placed, the lines are grouped by (kind, location) into fulfillments that move
/// on their own (pickup: OPEN → READY_FOR_PICKUP → PICKED_UP, or CANCELLED when not collected in
/// time; delivery: OPEN → SHIPPED), and the order's status follows them. Collected or shipped
/// units may be returned at any store, never more than were sold per line. Units that must go back
/// into a store's stock are <see cref="Owed"/> until the grain records them restored.
/// Commands validate and emit events; <see cref="Apply(OrderCommit)"/> is the only place state
/// changes. The grain performs the inventory calls and records their outcomes here.
/// <para>
/// A customer's order also owes their wallet points (1 per unit of currency of the total, rounded
/// down, once placed; taken back when it is cancelled, a pickup lapses or lines are returned, the
/// last of them taking back exactly what is left) and their timeline an entry for each change.
/// Both are owed in the same event that makes them due and kept in the order's state until the
/// grain records them settled, so the saga sweeper finishes them after a crash; the wallet call's
/// id and the entry's id are derived from the order, so doing it twice is harmless there.
/// Recording them settled is bookkeeping: it does not move the order's version.
/// </para>
/// </summary>
public sealed class OrderLedger
{
    private readonly List<OrderLine> _lines = [];
    private readonly SortedSet<int> _committed = [];
    private readonly List<FulfillmentState> _fulfillments = [];
    private readonly List<OrderReturnState> _returns = [];
    private readonly List<OwedStock> _owed = [];
    private readonly List<OrderEvent> _pending = [];
    private readonly List<OwedPoints> _points = [];
    private readonly List<OwedEntry> _outbox = [];
    private int _entries;
    private int _pointsEarned;
    private int _pointsReversed;
    private int? _redeemedAtCheckout;
    private bool _wasPlaced;
    private DateTimeOffset _now;
    private DateTimeOffset? _pendingAt;

    public OrderLedger(Guid id)
    {
        Id = id;
    }

    public Guid Id { get; }
    public SagaStep Step { get; private set; }
    public OrderStatus Status { get; private set; }
    public Guid CartId { get; private set; }
    public string? CustomerId { get; private set; }
    public Channel? Channel { get; private set; }
    public string Currency { get; private set; } = "EUR";
    public DateTimeOffset PlacedAt { get; private set; }
    public UserError? CancelReason { get; private set; }
    public long Version { get; private set; }
    public IReadOnlyList<OrderLine> Lines => _lines;
    public IReadOnlyList<FulfillmentState> Fulfillments => _fulfillments;
    public IReadOnlyList<OrderReturnState> Returns => _returns;

    /// <summary>Units that must go back into a store's stock (a lapsed pickup, a return) and have not yet been recorded there.</summary>
    public IReadOnlyList<OwedStock> Owed => _owed;

    /// <summary>Wallet changes due to the customer and not yet recorded as made.</summary>
    public IReadOnlyList<OwedPoints> PointsOwed => _points;

    /// <summary>Timeline entries due to the customer and not yet acknowledged by the timeline, oldest first.</summary>
    public IReadOnlyList<OwedEntry> TimelineOutbox => _outbox;

    /// <summary>Points the customer set aside for this checkout and the order spent (null until the saga asked the wallet).</summary>
    public int? RedeemedAtCheckout => _redeemedAtCheckout;

    /// <summary>100 points pay for 1 unit of currency.</summary>
    public const int PointsPerUnit = 100;

    /// <summary>The most points one order earns (the wallet's bound on one change).</summary>
    public const int MaxPoints = 10_000_000;

    /// <summary>The lines (by index) whose hold has been committed.</summary>
    public IReadOnlySet<int> Committed => _committed;

    public bool Exists => Step != SagaStep.None;

    /// <summary>Work is left that nobody may be calling for: the saga sweeper must find this order.</summary>
    public bool InFlight => Step is SagaStep.Placing or SagaStep.Cancelling || _owed.Count > 0 || _points.Count > 0 || _outbox.Count > 0;

    /// <summary>Who commits the holds: binds every commit to this order, so no other sale can reuse them.</summary>
    public string Sale => $"order:{Id:N}";

    /// <summary>The id under which a line's committed units go back to where they were taken (cancel, lapse).</summary>
    public string BackMovement(int line) => $"order-{Id:N}-{line}-back";

    /// <summary>The earliest <c>collectBy</c> of a pickup waiting at a counter, if any.</summary>
    public DateTimeOffset? NextCollectBy =>
        _fulfillments.Where(f => f.Status == FulfillmentStatus.READY_FOR_PICKUP).Min(f => f.CollectBy);

    public OrderView View() => new(Id, CartId, CustomerId, DerivedStatus(), [.. _lines], Currency, PlacedAt, Version, Channel,
        [.. _fulfillments.Select(f => new FulfillmentView(f.Id, f.Kind, f.StoreId, f.Status, [.. f.Lines.Select(i => _lines[i])], f.CollectBy, f.UpdatedAt))],
        [.. _returns.Select(r => new OrderReturn(r.Id, r.StoreId,
            [.. r.Lines.GroupBy(l => _lines[l.Line].Sku).Select(g => new ReturnedLine(g.Key, g.Sum(l => l.Quantity), g.Sum(l => l.Quantity * _lines[l.Line].UnitPrice)))],
            r.Reason, r.At))],
        _redeemedAtCheckout ?? 0);

    /// <summary>The refusal to report with the view: why a placement was cancelled, if it was.</summary>
    public IReadOnlyList<UserError> Errors =>
        CancelReason is { } reason && Status == OrderStatus.CANCELLED && _committed.Count < _lines.Count ? [reason] : [];

    private OrderStatus DerivedStatus()
    {
        switch (Step)
        {
            case SagaStep.Cancelling:
                return OrderStatus.CANCELLED;
            case not SagaStep.Done:
                return OrderStatus.PLACED;
        }
        if (Status == OrderStatus.CANCELLED || _fulfillments.Count == 0 || _fulfillments.All(f => f.Status == FulfillmentStatus.CANCELLED))
        {
            return OrderStatus.CANCELLED;
        }
        if (_fulfillments.All(f => f.Status is FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED or FulfillmentStatus.CANCELLED))
        {
            return OrderStatus.COMPLETED;
        }
        var pickups = _fulfillments.Where(f => f.Kind == FulfillmentKind.PICKUP).ToList();
        return pickups.Any(f => f.Status == FulfillmentStatus.READY_FOR_PICKUP) && !pickups.Any(f => f.Status == FulfillmentStatus.OPEN)
            ? OrderStatus.READY_FOR_PICKUP
            : OrderStatus.PLACED;
    }

    // ------------------------------------------------------------------ commands

    public UserError? Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency, DateTimeOffset now, Channel? channel = null)
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
        At(now);
        Emit(new OrderPlacing(cartId, customerId, [.. lines], currency, now, channel));
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

    /// <summary>The wallet spent what the customer set aside for this checkout (0: nothing was).</summary>
    public void RecordCheckoutRedemption(int points)
    {
        if (Step == SagaStep.Placing && _redeemedAtCheckout is null)
        {
            Emit(new CheckoutPointsRedeemed(Math.Max(0, points)));
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
            case SagaStep.Cancelling:
                return null;
            case SagaStep.Done when DerivedStatus() == OrderStatus.CANCELLED:
                return null;
            case SagaStep.Done when _fulfillments.Any(f => f.Status is FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED):
                return UserError.InvalidState("orderId", "an order that was collected or shipped is returned, not cancelled");
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

    /// <summary>The lines the cancelling saga gives back: not those of a fulfillment cancelled before (their units went back then).</summary>
    public IEnumerable<int> LinesToUndo() =>
        Enumerable.Range(0, _lines.Count).Where(i => FulfillmentOf(i)?.Status != FulfillmentStatus.CANCELLED);

    public UserError? MarkReadyForPickup(string fulfillmentId, DateTimeOffset now, TimeSpan pickupWindow)
    {
        At(now);
        return Move(fulfillmentId, FulfillmentKind.PICKUP, FulfillmentStatus.READY_FOR_PICKUP, [FulfillmentStatus.OPEN], now + pickupWindow);
    }

    public UserError? ConfirmPickup(string fulfillmentId) =>
        Move(fulfillmentId, FulfillmentKind.PICKUP, FulfillmentStatus.PICKED_UP, [FulfillmentStatus.READY_FOR_PICKUP], null);

    public UserError? MarkShipped(string fulfillmentId) =>
        Move(fulfillmentId, FulfillmentKind.SHIP, FulfillmentStatus.SHIPPED, [FulfillmentStatus.OPEN], null);

    /// <summary>Moves a fulfillment on; repeating a move in the state it leads to changes nothing.</summary>
    private UserError? Move(string fulfillmentId, FulfillmentKind kind, FulfillmentStatus to, FulfillmentStatus[] from, DateTimeOffset? collectBy)
    {
        if (!Exists)
        {
            return UserError.NotFound("orderId", $"no order {Id}");
        }
        if (_fulfillments.FirstOrDefault(f => f.Id == fulfillmentId) is not { } fulfillment)
        {
            return UserError.NotFound("fulfillmentId", $"the order has no fulfillment '{fulfillmentId}'");
        }
        if (fulfillment.Status == to)
        {
            return null;
        }
        if (Step != SagaStep.Done || fulfillment.Kind != kind || !from.Contains(fulfillment.Status))
        {
            return UserError.InvalidState("fulfillmentId",
                $"a {fulfillment.Kind} fulfillment that is {fulfillment.Status} cannot become {to}");
        }
        Emit(new FulfillmentMoved(fulfillmentId, to, collectBy));
        return null;
    }

    /// <summary>Pickups not collected by their <c>collectBy</c> are cancelled; their units are owed back to their store.</summary>
    public int LapsePickups(DateTimeOffset now)
    {
        At(now);
        var lapsed = Step == SagaStep.Done
            ? _fulfillments.Where(f => f.Status == FulfillmentStatus.READY_FOR_PICKUP && f.CollectBy <= now).Select(f => f.Id).ToList()
            : [];
        foreach (var id in lapsed)
        {
            Emit(new FulfillmentMoved(id, FulfillmentStatus.CANCELLED, null));
        }
        return lapsed.Count;
    }

    /// <summary>
    /// Units of collected or shipped lines brought back at <paramref name="storeId"/>. The same
    /// <paramref name="returnId"/> again changes nothing; across returns a line never takes back
    /// more than it sold.
    /// </summary>
    public UserError? Return(string returnId, string storeId, IReadOnlyList<ReturnRequestLine> lines, string? reason)
    {
        if (!Exists)
        {
            return UserError.NotFound("orderId", $"no order {Id}");
        }
        if (_returns.Any(r => r.Id == returnId))
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(returnId) || returnId.Length > Limits.MaxIdLength)
        {
            return UserError.InvalidArgument("returnId", $"returnId must be 1 to {Limits.MaxIdLength} characters");
        }
        if (string.IsNullOrWhiteSpace(storeId))
        {
            return UserError.InvalidArgument("storeId", "a return is taken at a store");
        }
        if (lines.Count == 0 || lines.Count > Limits.MaxLinesPerCart)
        {
            return UserError.InvalidArgument("lines", $"a return has 1 to {Limits.MaxLinesPerCart} lines");
        }
        if (lines.Any(l => l.Quantity < 1 || l.Quantity > Limits.MaxUnitsPerLine))
        {
            return UserError.InvalidArgument("lines", $"each returned quantity is 1 to {Limits.MaxUnitsPerLine}");
        }
        if (Step != SagaStep.Done || DerivedStatus() == OrderStatus.CANCELLED)
        {
            return UserError.InvalidState("orderId", "only units of a placed order that were collected or shipped can be returned");
        }
        var returned = ReturnedPerLine();
        var units = new List<ReturnedUnits>();
        foreach (var request in lines.GroupBy(l => l.Sku, StringComparer.Ordinal))
        {
            var wanted = request.Sum(l => l.Quantity);
            var onOrder = Enumerable.Range(0, _lines.Count).Where(i => _lines[i].Sku == request.Key).ToList();
            if (onOrder.Count == 0)
            {
                return UserError.InvalidArgument("lines", $"{request.Key} is not on the order");
            }
            var handedOver = onOrder.Where(i => FulfillmentOf(i)?.Status is FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED).ToList();
            if (handedOver.Count == 0)
            {
                return UserError.InvalidState("lines", $"{request.Key} was not collected or shipped: it cannot be returned");
            }
            var left = handedOver.Sum(i => _lines[i].Quantity - returned.GetValueOrDefault(i));
            if (wanted > left)
            {
                return new UserError(ErrorCode.RETURN_EXCEEDS_SOLD, $"{wanted} × {request.Key} returned, but only {left} more may be", "lines");
            }
            foreach (var i in handedOver)
            {
                var take = Math.Min(wanted, _lines[i].Quantity - returned.GetValueOrDefault(i));
                if (take > 0)
                {
                    units.Add(new ReturnedUnits(i, take));
                    wanted -= take;
                }
            }
        }
        Emit(new LinesReturned(returnId, storeId, units, reason));
        return null;
    }

    /// <summary>Records owed units as restored in their store's stock.</summary>
    public void RecordRestored(IEnumerable<string> movements)
    {
        var restored = movements.Where(m => _owed.Any(o => o.Movement == m)).Distinct().ToArray();
        if (restored.Length > 0)
        {
            Emit(new StockRestored(restored));
        }
    }

    /// <summary>The wallet took these changes (or refused them for good): they are no longer owed.</summary>
    public void RecordPointsSettled(IEnumerable<string> ids)
    {
        var settled = ids.Where(id => _points.Any(p => p.Id == id)).Distinct().ToArray();
        if (settled.Length > 0)
        {
            Emit(new PointsSettled(settled));
        }
    }

    /// <summary>The timeline acknowledged the outbox up to entry <paramref name="number"/>.</summary>
    public void RecordDelivered(int number)
    {
        if (_outbox.Count > 0 && _outbox[0].Number <= number)
        {
            Emit(new TimelineDelivered(number));
        }
    }

    public OrderCommit? TakeCommit(DateTimeOffset at)
    {
        if (_pending.Count == 0)
        {
            return null;
        }
        // The time its events were applied at, so that replaying the commit gives the same state.
        var commit = new OrderCommit(_pendingAt ?? at, [.. _pending]);
        _pending.Clear();
        _pendingAt = null;
        if (Moves(commit))
        {
            Version++;
        }
        return commit;
    }

    /// <summary>A commit of bookkeeping only (points settled, entries delivered) leaves the order's version where it was.</summary>
    private static bool Moves(OrderCommit commit) => commit.Events.Any(e => e is not (PointsSettled or TimelineDelivered));

    private FulfillmentState? FulfillmentOf(int line) => _fulfillments.FirstOrDefault(f => f.Lines.Contains(line));

    private Dictionary<int, int> ReturnedPerLine() =>
        _returns.SelectMany(r => r.Lines).GroupBy(l => l.Line).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));

    /// <summary>The inventory id of one returned line: derived from the return, so a retry is the same movement.</summary>
    public string ReturnMovement(string returnId, int line)
    {
        var reference = returnId.Length <= 48 && returnId.All(c => c is >= '!' and <= '~')
            ? returnId
            : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(returnId)))[..32];
        return $"return-{Id:N}-{line}-{reference}";
    }

    // ------------------------------------------------------------------ events

    public void Apply(OrderCommit commit)
    {
        foreach (var e in commit.Events)
        {
            Apply(e, commit.At);
        }
        if (Moves(commit))
        {
            Version++;
        }
    }

    private void Emit(OrderEvent e)
    {
        _pending.Add(e);
        _pendingAt ??= _now;
        Apply(e, _pendingAt.Value);
    }

    /// <summary>The domain time of the commands that follow (the grain sets it before each call).</summary>
    public void At(DateTimeOffset now) => _now = now;

    private void Apply(OrderEvent e, DateTimeOffset at)
    {
        switch (e)
        {
            case OrderPlacing p:
                Step = SagaStep.Placing;
                Status = OrderStatus.PLACED;
                CartId = p.CartId;
                CustomerId = p.CustomerId;
                Channel = p.Channel;
                _lines.AddRange(p.Lines);
                Currency = p.Currency;
                PlacedAt = p.At;
                // Orders placed before fulfillments existed get theirs here too: grouped from their lines.
                _fulfillments.AddRange(Group(p.Lines, p.At));
                break;
            case LinesCommitted c:
                _committed.UnionWith(c.Lines);
                break;
            case OrderPlaced:
                Step = SagaStep.Done;
                Status = OrderStatus.PLACED;
                _wasPlaced = true;
                if (CustomerId is not null)
                {
                    var total = _lines.Sum(l => l.UnitPrice * l.Quantity);
                    // Points earn on what was paid for otherwise than with points.
                    var paid = Math.Max(0, total - (_redeemedAtCheckout ?? 0) / (decimal)PointsPerUnit);
                    var redeemed = _redeemedAtCheckout is > 0 ? $", {_redeemedAtCheckout} points redeemed" : "";
                    Owe(TimelineKind.ORDER_PLACED, $"Order placed: {_lines.Sum(l => l.Quantity)} items for {Money(total)} {Currency}{redeemed}", at, null, total);
                    _pointsEarned = Floor(paid);
                    if (_pointsEarned > 0)
                    {
                        _points.Add(new OwedPoints($"order:{Id:N}", _pointsEarned, PointsMove.Earn, paid));
                    }
                }
                break;
            case CancelStarted c:
                Step = SagaStep.Cancelling;
                CancelReason = c.Reason;
                break;
            case OrderCancelled:
                if (CustomerId is not null)
                {
                    Owe(TimelineKind.ORDER_CANCELLED, CancelReason is { } why ? $"Order cancelled: {why.Message}" : "Order cancelled", at, null, null);
                    TakeBackPoints($"order:{Id:N}:cancelled", int.MaxValue, null);
                    if (_redeemedAtCheckout is > 0 and var redeemed)
                    {
                        _points.Add(new OwedPoints($"order:{Id:N}:refunded", redeemed, PointsMove.Refund, null));
                    }
                    else if (!_wasPlaced)
                    {
                        // The checkout failed: what the customer set aside for it goes back.
                        _points.Add(new OwedPoints($"order:{Id:N}:released", 0, PointsMove.ReleaseHolds, null));
                    }
                }
                Step = SagaStep.Done;
                Status = OrderStatus.CANCELLED;
                for (var i = 0; i < _fulfillments.Count; i++)
                {
                    if (_fulfillments[i].Status is not (FulfillmentStatus.CANCELLED or FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED))
                    {
                        _fulfillments[i] = _fulfillments[i] with { Status = FulfillmentStatus.CANCELLED, CollectBy = null, UpdatedAt = at };
                    }
                }
                break;
            case StatusChanged s:
                // Written by earlier versions, which moved the whole order: its fulfillments follow.
                Status = s.Status;
                for (var i = 0; i < _fulfillments.Count; i++)
                {
                    var f = _fulfillments[i];
                    _fulfillments[i] = (s.Status, f.Kind) switch
                    {
                        (OrderStatus.READY_FOR_PICKUP, FulfillmentKind.PICKUP) when f.Status == FulfillmentStatus.OPEN => f with { Status = FulfillmentStatus.READY_FOR_PICKUP, UpdatedAt = at },
                        (OrderStatus.COMPLETED, FulfillmentKind.PICKUP) => f with { Status = FulfillmentStatus.PICKED_UP, UpdatedAt = at },
                        (OrderStatus.COMPLETED, FulfillmentKind.SHIP) => f with { Status = FulfillmentStatus.SHIPPED, UpdatedAt = at },
                        _ => f,
                    };
                }
                break;
            case FulfillmentMoved m:
                {
                    var i = _fulfillments.FindIndex(f => f.Id == m.Fulfillment);
                    var f = _fulfillments[i];
                    _fulfillments[i] = f with
                    {
                        Status = m.Status,
                        CollectBy = m.Status == FulfillmentStatus.READY_FOR_PICKUP ? m.CollectBy : null,
                        UpdatedAt = at,
                    };
                    if (m.Status == FulfillmentStatus.CANCELLED)
                    {
                        _owed.AddRange(f.Lines.Select(l => new OwedStock(BackMovement(l), f.StoreId, _lines[l].Sku, _lines[l].Quantity)));
                    }
                    if (CustomerId is not null)
                    {
                        Owe(TimelineKind.ORDER_UPDATED, $"{(f.Kind == FulfillmentKind.PICKUP ? "Pickup" : "Delivery")} from {f.StoreId}: {m.Status}", at, f.StoreId, null);
                        if (m.Status == FulfillmentStatus.CANCELLED)
                        {
                            var value = f.Lines.Sum(l => _lines[l].UnitPrice * _lines[l].Quantity);
                            TakeBackPoints($"order:{Id:N}:{f.Id}:lapsed", Floor(value), value);
                        }
                    }
                    break;
                }
            case LinesReturned r:
                _returns.Add(new OrderReturnState(r.ReturnId, r.StoreId, r.Lines, r.Reason, at));
                _owed.AddRange(r.Lines.Select(l => new OwedStock(ReturnMovement(r.ReturnId, l.Line), r.StoreId, _lines[l.Line].Sku, l.Quantity)));
                if (CustomerId is not null)
                {
                    var refund = r.Lines.Sum(l => l.Quantity * _lines[l.Line].UnitPrice);
                    Owe(TimelineKind.RETURN, $"Returned {r.Lines.Sum(l => l.Quantity)} items at {r.StoreId}: {Money(refund)} {Currency} refunded", at, r.StoreId, refund);
                    TakeBackPoints($"order:{Id:N}:return:{r.ReturnId}", Floor(refund), refund);
                }
                break;
            case StockRestored s:
                _owed.RemoveAll(o => s.Movements.Contains(o.Movement));
                break;
            case CheckoutPointsRedeemed r:
                _redeemedAtCheckout = r.Points;
                break;
            case PointsSettled p:
                _points.RemoveAll(o => p.Ids.Contains(o.Id));
                break;
            case TimelineDelivered d:
                _outbox.RemoveAll(o => o.Number <= d.UpTo);
                break;
            default:
                throw new InvalidOperationException($"unknown order event {e.GetType().Name}");
        }
    }

    /// <summary>A timeline entry due to the customer; its id is the order's and the entry's number, so it is the same entry however often it is sent.</summary>
    private void Owe(TimelineKind kind, string summary, DateTimeOffset at, string? storeId, decimal? amount)
    {
        _entries++;
        _outbox.Add(new OwedEntry(_entries, new TimelineEntry($"order:{Id:N}:{_entries}", at, kind, summary, Channel, storeId, Id, amount)));
    }

    /// <summary>
    /// Points earned by this order taken back: <paramref name="points"/>, or everything not yet
    /// taken back when nothing of the order is left with the customer (cancelled or returned in full).
    /// </summary>
    private void TakeBackPoints(string id, int points, decimal? amount)
    {
        var left = _pointsEarned - _pointsReversed;
        var nothingKept = Status == OrderStatus.CANCELLED || Step == SagaStep.Cancelling || points == int.MaxValue || NothingKept();
        var take = nothingKept ? left : Math.Min(points, left);
        if (take > 0)
        {
            _pointsReversed += take;
            _points.Add(new OwedPoints(id, take, PointsMove.Reverse, amount));
        }
    }

    /// <summary>Every unit of the order went back: its fulfillment was cancelled or it was returned.</summary>
    private bool NothingKept()
    {
        var returned = ReturnedPerLine();
        return Enumerable.Range(0, _lines.Count).All(i =>
            FulfillmentOf(i)?.Status == FulfillmentStatus.CANCELLED || returned.GetValueOrDefault(i) >= _lines[i].Quantity);
    }

    private static int Floor(decimal value) => (int)Math.Min(decimal.Floor(value), MaxPoints);

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Lines grouped by (kind, location), in the order they first appear: f1, f2, ...</summary>
    private static IEnumerable<FulfillmentState> Group(IReadOnlyList<OrderLine> lines, DateTimeOffset at) =>
        Enumerable.Range(0, lines.Count)
            .GroupBy(i => (lines[i].Fulfillment, lines[i].StoreId))
            .Select((g, n) => new FulfillmentState($"f{n + 1}", g.Key.Fulfillment, g.Key.StoreId, FulfillmentStatus.OPEN, [.. g], null, at));

    // ------------------------------------------------------------------ snapshot

    public OrderSnapshot ToSnapshot() => new(Step, Status, CartId, CustomerId, [.. _lines], Currency, PlacedAt, [.. _committed], CancelReason, Version,
        Channel, [.. _fulfillments], [.. _returns], [.. _owed], [.. _points], [.. _outbox], _entries, _pointsEarned, _pointsReversed,
        _redeemedAtCheckout, _wasPlaced || Step == SagaStep.Done && Status != OrderStatus.CANCELLED);

    public static OrderLedger FromSnapshot(Guid id, OrderSnapshot s)
    {
        var ledger = new OrderLedger(id)
        {
            Step = s.Step,
            Status = s.Status,
            CartId = s.CartId,
            CustomerId = s.CustomerId,
            Channel = s.Channel,
            Currency = s.Currency,
            PlacedAt = s.PlacedAt,
            CancelReason = s.CancelReason,
            Version = s.Version,
        };
        ledger._lines.AddRange(s.Lines);
        ledger._committed.UnionWith(s.Committed);
        if (s.Fulfillments is { } fulfillments)
        {
            ledger._fulfillments.AddRange(fulfillments);
        }
        else
        {
            // A snapshot from before fulfillments: derive them from the lines and the order's status.
            ledger._fulfillments.AddRange(Group(s.Lines, s.PlacedAt));
            if (s.Step == SagaStep.Done && s.Status != OrderStatus.PLACED)
            {
                ledger.Apply(s.Status == OrderStatus.CANCELLED ? new OrderCancelled() : new StatusChanged(s.Status), s.PlacedAt);
            }
        }
        ledger._returns.AddRange(s.Returns ?? []);
        ledger._owed.AddRange(s.Owed ?? []);
        ledger._points.AddRange(s.PointsOwed ?? []);
        ledger._outbox.AddRange(s.Outbox ?? []);
        ledger._entries = s.Entries;
        ledger._pointsEarned = s.PointsEarned;
        ledger._pointsReversed = s.PointsReversed;
        ledger._redeemedAtCheckout = s.RedeemedAtCheckout;
        ledger._wasPlaced = s.WasPlaced;
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
[JsonDerivedType(typeof(FulfillmentMoved), "fulfillment")]
[JsonDerivedType(typeof(LinesReturned), "returned")]
[JsonDerivedType(typeof(StockRestored), "restored")]
[JsonDerivedType(typeof(PointsSettled), "points-settled")]
[JsonDerivedType(typeof(TimelineDelivered), "timeline-delivered")]
[JsonDerivedType(typeof(CheckoutPointsRedeemed), "points-redeemed")]
public abstract record OrderEvent;

/// <summary>The order is written first, with the holds it needs; then the saga commits them.</summary>
public sealed record OrderPlacing(Guid CartId, string? CustomerId, IReadOnlyList<OrderLine> Lines, string Currency, DateTimeOffset At, Channel? Channel = null) : OrderEvent;
public sealed record LinesCommitted(IReadOnlyList<int> Lines) : OrderEvent;
public sealed record OrderPlaced : OrderEvent;
public sealed record CancelStarted(UserError? Reason) : OrderEvent;
public sealed record OrderCancelled : OrderEvent;
/// <summary>Written by earlier versions only (the whole order moved); read as its fulfillments moving.</summary>
public sealed record StatusChanged(OrderStatus Status) : OrderEvent;
/// <summary>A fulfillment moved on (a lapse is a move to CANCELLED: its units are then owed back).</summary>
public sealed record FulfillmentMoved(string Fulfillment, FulfillmentStatus Status, DateTimeOffset? CollectBy = null) : OrderEvent;
public sealed record LinesReturned(string ReturnId, string StoreId, IReadOnlyList<ReturnedUnits> Lines, string? Reason = null) : OrderEvent;
public sealed record StockRestored(IReadOnlyList<string> Movements) : OrderEvent;

public sealed record ReturnedUnits(int Line, int Quantity);
/// <summary>The wallet made (or refused for good) the changes owed under these ids.</summary>
public sealed record PointsSettled(IReadOnlyList<string> Ids) : OrderEvent;
/// <summary>The customer's timeline acknowledged the entries up to this number.</summary>
public sealed record TimelineDelivered(int UpTo) : OrderEvent;

/// <summary>The points the customer set aside for the checkout that the order spent.</summary>
public sealed record CheckoutPointsRedeemed(int Points) : OrderEvent;

public enum PointsMove
{
    Earn,
    Reverse,
    /// <summary>Points redeemed at checkout given back.</summary>
    Refund,
    /// <summary>What was set aside for the cart given back (the checkout failed).</summary>
    ReleaseHolds,
}

/// <summary>A wallet change due to the customer, under the wallet id <see cref="Id"/>.</summary>
public sealed record OwedPoints(string Id, int Points, PointsMove Move, decimal? Amount);

/// <summary>A timeline entry due to the customer, numbered in the order's sequence.</summary>
public sealed record OwedEntry(int Number, TimelineEntry Entry);

/// <summary>A fulfillment as the ledger keeps it: its lines by index.</summary>
public sealed record FulfillmentState(
    string Id, FulfillmentKind Kind, string StoreId, FulfillmentStatus Status, IReadOnlyList<int> Lines, DateTimeOffset? CollectBy, DateTimeOffset UpdatedAt);

public sealed record OrderReturnState(string Id, string StoreId, IReadOnlyList<ReturnedUnits> Lines, string? Reason, DateTimeOffset At);

/// <summary>Units that must go back into <see cref="StoreId"/>'s stock under <see cref="Movement"/> (idempotent there).</summary>
public sealed record OwedStock(string Movement, string StoreId, string Sku, int Quantity);

/// <summary>One durable change of an order (one version).</summary>
public sealed record OrderCommit(DateTimeOffset At, IReadOnlyList<OrderEvent> Events);

public sealed record OrderSnapshot(
    SagaStep Step, OrderStatus Status, Guid CartId, string? CustomerId, IReadOnlyList<OrderLine> Lines, string Currency,
    DateTimeOffset PlacedAt, IReadOnlyList<int> Committed, UserError? CancelReason, long Version,
    Channel? Channel = null, IReadOnlyList<FulfillmentState>? Fulfillments = null, IReadOnlyList<OrderReturnState>? Returns = null,
    IReadOnlyList<OwedStock>? Owed = null, IReadOnlyList<OwedPoints>? PointsOwed = null, IReadOnlyList<OwedEntry>? Outbox = null,
    int Entries = 0, int PointsEarned = 0, int PointsReversed = 0, int? RedeemedAtCheckout = null, bool WasPlaced = false);
