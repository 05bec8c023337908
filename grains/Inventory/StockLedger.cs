namespace Omni.Inventory;

/// <summary>
/// The stock rules of one SKU at one location, free of Orleans and of storage:
/// <c>available = max(0, onHand - reserved - safetyStock)</c>, a hold or a sale only within
/// available, every change identified by a client-chosen id whose first outcome is remembered.
/// Commands validate, then emit events; <see cref="Apply"/> is the only place state changes,
/// so replaying the journal rebuilds exactly what was acknowledged.
/// </summary>
public sealed class StockLedger
{
    private readonly Dictionary<string, Hold> _holds = new(StringComparer.Ordinal);

    /// <summary>
    /// The holds in the order they lapse (then by id), beside <see cref="_holds"/>: expiry looks at
    /// the front only, so an operation costs O(log n) with n holds, not a scan of every hold
    /// (a flash sale's SKU holds tens of thousands).
    /// </summary>
    private readonly SortedSet<(DateTimeOffset ExpiresAt, string Id)> _byExpiry = new(ExpiryOrder.Instance);
    private readonly Dictionary<string, AppliedOperation> _applied = new(StringComparer.Ordinal);
    /// <summary>
    /// Remembered keys in the order they were remembered. A key remembered again (a hold id used
    /// anew and lapsing again) leaves its older entry behind: an entry counts only while its
    /// sequence number is the key's current one, so stale entries never count against the cap,
    /// never forget the current outcome, and are not written into snapshots.
    /// </summary>
    private readonly Queue<(string Key, long Seq, DateTimeOffset At)> _appliedOrder = new();
    private long _nextSeq;
    private (string Kind, string Id, string Fingerprint)? _lastApplied;
    private readonly List<InventoryEvent> _pending = [];
    private readonly List<MovementRecord> _pendingMovements = [];
    private readonly List<StockMovement> _pendingLedger = [];
    private readonly LedgerRetention _retention;

    public StockLedger(string storeId, string sku, LedgerRetention? retention = null)
    {
        StoreId = storeId;
        Sku = sku;
        _retention = retention ?? LedgerRetention.Default;
    }

    public string StoreId { get; }
    public string Sku { get; }
    public int OnHand { get; private set; }
    public int SafetyStock { get; private set; }
    public int Reserved { get; private set; }
    public long Version { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int Available => Math.Max(0, OnHand - Reserved - SafetyStock);
    public IReadOnlyCollection<Hold> Holds => _holds.Values;
    public int AppliedCount => _applied.Count;

    /// <summary>The outcomes remembered for retries, by key (read-only: tests compare them after a replay).</summary>
    public IEnumerable<(string Key, string Fingerprint, DateTimeOffset At, StockResult Result)> Remembered =>
        _applied.Select(a => (a.Key, a.Value.Fingerprint, a.Value.At, a.Value.Result));
    /// <summary>When the next hold lapses; null when none will (a transfer's holds never lapse).</summary>
    public DateTimeOffset? NextExpiry => _byExpiry.Count == 0 || _byExpiry.Min.ExpiresAt == DateTimeOffset.MaxValue ? null : _byExpiry.Min.ExpiresAt;
    public StockLevel Level => new(Sku, StoreId, OnHand, Reserved, SafetyStock, Version, UpdatedAt);

    /// <summary>Events emitted since the last call, in order; the caller makes them durable.</summary>
    public IReadOnlyList<InventoryEvent> TakePending()
    {
        var taken = _pending.ToArray();
        _pending.Clear();
        return taken;
    }

    /// <summary>
    /// The on-hand movements (receipts, counts, safety stock, sales, returns) among the events
    /// emitted since the last call, with their outcomes: the caller stores them beside the events,
    /// in the same transaction, so a retry is recognised however long the ledger's own memory is.
    /// </summary>
    public IReadOnlyList<MovementRecord> TakePendingMovements()
    {
        var taken = _pendingMovements.ToArray();
        _pendingMovements.Clear();
        return taken;
    }

    /// <summary>
    /// The movements (DESIGN rule 8) of the events emitted since the last call, one per version, in
    /// order: the caller writes them in the same transaction as the events, and publishes them.
    /// </summary>
    public IReadOnlyList<StockMovement> TakePendingLedger()
    {
        var taken = _pendingLedger.ToArray();
        _pendingLedger.Clear();
        return taken;
    }

    /// <summary>
    /// True when the outcome of <paramref name="kind"/> <paramref name="id"/> is in memory (or the
    /// id is invalid and will be refused anyway): only otherwise is the durable record worth reading.
    /// </summary>
    public bool Remembers(string kind, string id) => !PrintableText.IsValidId(id) || _applied.ContainsKey(Key(kind, id));

    public Reservation? FindReservation(string reservationId) =>
        _holds.TryGetValue(reservationId, out var hold) ? hold.ToReservation(this) : null;

    // ------------------------------------------------------------------ commands

    public StockResult Receive(string movementId, int quantity, DateTimeOffset now, MovementRecord? remembered = null, MovementContext? context = null) =>
        Movement("movementId", movementId, $"receive:{quantity}", now, remembered, () =>
            CheckContext(context) ?? CheckQuantity(quantity) ?? CheckOnHandLimit((long)OnHand + quantity) ?? Emit(new Received(now, movementId, quantity), context));

    public StockResult SetCount(string movementId, int onHand, DateTimeOffset now, MovementRecord? remembered = null, MovementContext? context = null) =>
        Movement("movementId", movementId, $"count:{onHand}", now, remembered, () =>
            CheckContext(context) ?? (onHand < 0 || onHand > Limits.MaxOnHand
                ? Refuse(UserError.InvalidArgument("onHand", $"onHand must be between 0 and {Limits.MaxOnHand}, not {onHand}"))
                : Emit(new Counted(now, movementId, onHand), context)));

    public StockResult SetSafetyStock(string movementId, int safetyStock, DateTimeOffset now, MovementRecord? remembered = null, MovementContext? context = null) =>
        Movement("movementId", movementId, $"safety:{safetyStock}", now, remembered, () =>
            CheckContext(context) ?? (safetyStock < 0 || safetyStock > Limits.MaxOnHand
                ? Refuse(UserError.InvalidArgument("safetyStock", $"safetyStock must be between 0 and {Limits.MaxOnHand}, not {safetyStock}"))
                : Emit(new SafetyStockSet(now, movementId, safetyStock), context)));

    public StockResult RecordSale(string saleId, int quantity, DateTimeOffset now, MovementRecord? remembered = null, MovementContext? context = null) =>
        Operation(MovementKind.Sale, "saleId", saleId, $"sale:{quantity}", now, remembered, () =>
            CheckContext(context) ?? CheckQuantity(quantity) ?? CheckAvailable(quantity) ?? Emit(new Sold(now, saleId, quantity), context));

    public StockResult RecordReturn(string returnId, int quantity, DateTimeOffset now, MovementRecord? remembered = null, MovementContext? context = null) =>
        Operation(MovementKind.Return, "returnId", returnId, $"return:{quantity}", now, remembered, () =>
            CheckContext(context) ?? CheckQuantity(quantity) ?? CheckOnHandLimit((long)OnHand + quantity) ?? Emit(new Returned(now, returnId, quantity), context));

    /// <summary>
    /// Holds units for a transfer: the hold's id is the transfer id, its owner <c>transfer:{id}</c>,
    /// and it never lapses (the transfer dispatches or cancels it).
    /// </summary>
    public StockResult HoldForTransfer(string transferId, int quantity, DateTimeOffset now, MovementContext? context = null)
    {
        var owner = TransferOwner(transferId);
        return Operation("res", "transferId", transferId, $"reserve:{quantity}:{owner}", now, null, () =>
        {
            if (_holds.TryGetValue(transferId, out var active))
            {
                return active.Quantity == quantity && active.Owner == owner
                    ? new StockResult(Level, active.ToReservation(this))
                    : Refuse(new UserError(ErrorCode.CONFLICT, $"a hold {transferId} already exists with other terms", "transferId"));
            }
            return CheckContext(context) ?? CheckQuantity(quantity) ?? CheckAvailable(quantity)
                ?? Emit(new Reserved(now, transferId, quantity, DateTimeOffset.MaxValue, owner), context);
        });
    }

    /// <summary>What arrived of a transfer, added to on-hand; idempotent per transfer.</summary>
    public StockResult TransferIn(string transferId, int quantity, DateTimeOffset now, MovementRecord? remembered = null, MovementContext? context = null) =>
        Operation(MovementKind.TransferIn, "transferId", transferId, $"transfer-in:{quantity}", now, remembered, () =>
            CheckContext(context) ?? CheckQuantity(quantity) ?? CheckOnHandLimit((long)OnHand + quantity) ?? Emit(new TransferredIn(now, transferId, quantity), context));

    /// <summary>The owner (and seller) of a transfer's hold at its origin.</summary>
    public static string TransferOwner(string transferId) => TransferPrefix + transferId;

    public StockResult Reserve(string reservationId, int quantity, TimeSpan holdFor, string? owner, DateTimeOffset now, MovementContext? context = null) =>
        Operation("res", "reservationId", reservationId, $"reserve:{quantity}:{owner}", now, null, () =>
        {
            if (_holds.TryGetValue(reservationId, out var active))
            {
                // The first outcome was pruned, but the hold it made is still here.
                return active.Quantity == quantity && active.Owner == owner
                    ? new StockResult(Level, active.ToReservation(this))
                    : Refuse(new UserError(ErrorCode.CONFLICT, $"reservation {reservationId} already exists with other terms", "reservationId"));
            }
            return CheckContext(context) ?? CheckQuantity(quantity) ?? CheckHold(holdFor) ?? CheckOwner(owner) ?? CheckAvailable(quantity)
                ?? Emit(new Reserved(now, reservationId, quantity, now + holdFor, owner), context);
        });

    public StockResult AdjustReservation(string operationId, string reservationId, int quantity, TimeSpan holdFor, DateTimeOffset now) =>
        Operation("adj", "operationId", operationId, $"adjust:{reservationId}:{quantity}", now, null, () =>
        {
            if (CheckId("reservationId", reservationId) is { } invalid)
            {
                return invalid;
            }
            if (!_holds.TryGetValue(reservationId, out var hold))
            {
                return Refuse(Ended(reservationId));
            }
            return CheckQuantity(quantity) ?? CheckHold(holdFor)
                ?? (quantity > hold.Quantity ? CheckAvailable(quantity - hold.Quantity) : null)
                ?? Emit(new Adjusted(now, operationId, reservationId, quantity, now + holdFor), null);
        });

    public StockResult Release(string reservationId, DateTimeOffset now, MovementContext? context = null) =>
        Operation("rel", "reservationId", reservationId, "release", now, null, () =>
        {
            if (_holds.ContainsKey(reservationId))
            {
                return CheckContext(context) ?? Emit(new Released(now, reservationId), context);
            }
            // A hold that lapsed is already back in available: releasing it is a success with nothing to do.
            return _applied.ContainsKey(Key("exp", reservationId))
                ? new StockResult(Level)
                : Refuse(Ended(reservationId));
        });

    /// <summary>
    /// Turns a hold into a sale. <paramref name="owner"/>, when given, must be the hold's owner (a
    /// hold is committed only for whoever took it); <paramref name="by"/> names the sale (an order,
    /// a till). A retry by the same sale returns the first outcome; the same hold committed for
    /// another sale is refused, never replayed, so two orders can never rest on one hold.
    /// </summary>
    public StockResult Commit(string reservationId, DateTimeOffset now, string? owner = null, string? by = null, MovementContext? context = null) =>
        Operation("com", "reservationId", reservationId, CommitFingerprint(by), now, null, () =>
        {
            if (!_holds.TryGetValue(reservationId, out var hold))
            {
                return Refuse(Ended(reservationId));
            }
            if (owner is not null && hold.Owner != owner)
            {
                return Refuse(new UserError(ErrorCode.CONFLICT, $"reservation {reservationId} belongs to another owner", "reservationId"));
            }
            if (hold.Quantity > OnHand)
            {
                // A count fell below what is held: the units to sell are not physically there.
                return Refuse(new UserError(ErrorCode.INSUFFICIENT_STOCK,
                    $"only {OnHand} on hand, the reservation holds {hold.Quantity}", "reservationId"));
            }
            return CheckContext(context) ?? Emit(new Committed(now, reservationId, by), context);
        });

    /// <summary>Lets every hold whose time is up go back to available.</summary>
    public int ExpireDue(DateTimeOffset now)
    {
        // Every operation asks first; almost always nothing is due, and then nothing is allocated.
        var expired = 0;
        while (_byExpiry.Count > 0 && _byExpiry.Min is var (expiresAt, id) && expiresAt <= now)
        {
            Emit(new HoldExpired(now, id), MovementContext.System); // removes it from _byExpiry
            expired++;
        }
        return expired;
    }

    // ------------------------------------------------------------------ events

    /// <summary>Applies one event: used for new events and for replaying the journal.</summary>
    public StockResult Apply(InventoryEvent e)
    {
        Reservation? reservation = null;
        (string Kind, string Id, string Fingerprint)? applied = null;
        switch (e)
        {
            case Received r:
                OnHand += r.Quantity;
                applied = (MovementKind.Movement, r.MovementId, $"receive:{r.Quantity}");
                break;
            case Counted c:
                OnHand = c.OnHand;
                applied = (MovementKind.Movement, c.MovementId, $"count:{c.OnHand}");
                break;
            case SafetyStockSet s:
                SafetyStock = s.SafetyStock;
                applied = (MovementKind.Movement, s.MovementId, $"safety:{s.SafetyStock}");
                break;
            case Reserved r:
                var hold = new Hold(r.ReservationId, r.Quantity, r.ExpiresAt, r.Owner);
                PutHold(hold);
                Reserved += hold.Quantity;
                reservation = hold.ToReservation(this);
                applied = ("res", r.ReservationId, $"reserve:{r.Quantity}:{r.Owner}");
                break;
            case Adjusted a:
                var before = _holds[a.ReservationId];
                var after = before with { Quantity = a.Quantity, ExpiresAt = a.ExpiresAt };
                PutHold(after);
                Reserved += after.Quantity - before.Quantity;
                reservation = after.ToReservation(this);
                applied = ("adj", a.OperationId, $"adjust:{a.ReservationId}:{a.Quantity}");
                break;
            case Released r:
                reservation = RemoveHold(r.ReservationId);
                applied = ("rel", r.ReservationId, "release");
                break;
            case Committed c:
                reservation = RemoveHold(c.ReservationId);
                OnHand -= reservation.Quantity;
                applied = ("com", c.ReservationId, CommitFingerprint(c.By));
                break;
            case Sold s:
                OnHand -= s.Quantity;
                applied = (MovementKind.Sale, s.SaleId, $"sale:{s.Quantity}");
                break;
            case Returned r:
                OnHand += r.Quantity;
                applied = (MovementKind.Return, r.ReturnId, $"return:{r.Quantity}");
                break;
            case HoldExpired x:
                reservation = RemoveHold(x.ReservationId);
                applied = ("exp", x.ReservationId, "expired");
                break;
            case TransferredIn t:
                OnHand += t.Quantity;
                applied = (MovementKind.TransferIn, t.TransferId, $"transfer-in:{t.Quantity}");
                break;
            default:
                throw new InvalidOperationException($"unknown inventory event {e.GetType().Name}");
        }

        Version++;
        UpdatedAt = e.At;
        var result = new StockResult(Level, reservation);
        if (applied is { } op)
        {
            Remember(Key(op.Kind, op.Id), op.Fingerprint, result, e.At);
            _lastApplied = op;
        }
        Prune(e.At);
        return result;
    }

    // ------------------------------------------------------------------ snapshot

    public LedgerSnapshot ToSnapshot() => new(
        OnHand, SafetyStock, Version, UpdatedAt,
        [.. _holds.Values.OrderBy(h => h.Id, StringComparer.Ordinal)],
        [.. _appliedOrder.Where(IsCurrent).Select(o => (o.Key, Op: _applied[o.Key])).Select(a => new AppliedSnapshot(
            a.Key, a.Op.Fingerprint, a.Op.At,
            a.Op.Result.Stock.OnHand, a.Op.Result.Stock.Reserved, a.Op.Result.Stock.SafetyStock, a.Op.Result.Stock.Version,
            a.Op.Result.Reservation is { } r ? new Hold(r.Id, r.Quantity, r.ExpiresAt, r.Owner) : null))]);

    public static StockLedger FromSnapshot(string storeId, string sku, LedgerSnapshot snapshot, LedgerRetention? retention = null)
    {
        var ledger = new StockLedger(storeId, sku, retention)
        {
            OnHand = snapshot.OnHand,
            SafetyStock = snapshot.SafetyStock,
            Version = snapshot.Version,
            UpdatedAt = snapshot.UpdatedAt,
        };
        foreach (var hold in snapshot.Holds)
        {
            ledger.PutHold(hold);
            ledger.Reserved += hold.Quantity;
        }
        foreach (var a in snapshot.Applied)
        {
            var level = new StockLevel(sku, storeId, a.OnHand, a.Reserved, a.SafetyStock, a.Version, a.At);
            ledger.Remember(a.Key, a.Fingerprint, new StockResult(level, a.Reservation?.ToReservation(ledger)), a.At);
        }
        return ledger;
    }

    // ------------------------------------------------------------------ rules

    private StockResult Movement(string field, string id, string fingerprint, DateTimeOffset now, MovementRecord? remembered, Func<StockResult> decide) =>
        Operation(MovementKind.Movement, field, id, fingerprint, now, remembered, decide);

    /// <summary>
    /// The idempotency rule, in one place: a known id returns its first outcome, whether the
    /// ledger still has it in memory or the caller read it from the durable record
    /// (<paramref name="remembered"/>: an on-hand movement pruned from memory).
    /// </summary>
    private StockResult Operation(string kind, string field, string id, string fingerprint, DateTimeOffset now, MovementRecord? remembered, Func<StockResult> decide)
    {
        if (CheckId(field, id) is { } invalid)
        {
            return invalid;
        }
        if (_applied.TryGetValue(Key(kind, id), out var first))
        {
            return first.Fingerprint == fingerprint ? first.Result : Reused(kind, field, id);
        }
        if (remembered is not null && remembered.Kind == kind && remembered.Id == id)
        {
            return remembered.Fingerprint == fingerprint
                ? new StockResult(new StockLevel(Sku, StoreId, remembered.OnHand, remembered.Reserved, remembered.SafetyStock, remembered.Version, remembered.At))
                : Reused(kind, field, id);
        }
        ExpireDue(now);
        return decide();
    }

    private StockResult Reused(string kind, string field, string id) =>
        Refuse(new UserError(ErrorCode.CONFLICT, kind == "com"
            ? $"reservation {id} was already committed for another sale"
            : $"{field} '{id}' was already used for a different operation", field));

    private StockResult Emit(InventoryEvent e, MovementContext? context)
    {
        _pending.Add(e);
        _lastApplied = null;
        var (onHand, reserved) = (OnHand, Reserved);
        var holdOwner = e switch
        {
            Adjusted a => _holds[a.ReservationId].Owner,
            Released r => _holds[r.ReservationId].Owner,
            Committed c => _holds[c.ReservationId].Owner,
            _ => null,
        };
        var result = Apply(e);
        if (e is Received or Counted or SafetyStockSet or Sold or Returned or TransferredIn && _lastApplied is { } op)
        {
            var level = result.Stock;
            _pendingMovements.Add(new MovementRecord(op.Kind, op.Id, op.Fingerprint, e.At, level.OnHand, level.Reserved, level.SafetyStock, level.Version));
        }
        _pendingLedger.Add(Describe(e, result.Stock, OnHand - onHand, Reserved - reserved, holdOwner, context));
        return result;
    }

    /// <summary>The movement an event made: what, how much, the level after it, which operation, who.</summary>
    private StockMovement Describe(InventoryEvent e, StockLevel after, int onHandDelta, int reservedDelta, string? holdOwner, MovementContext? context)
    {
        var (kind, reference, owner) = e switch
        {
            Received r => (StockMovementKind.RECEIVED, r.MovementId, null),
            Counted c => (StockMovementKind.COUNTED, c.MovementId, null),
            SafetyStockSet s => (StockMovementKind.SAFETY_STOCK_SET, s.MovementId, null),
            Reserved r => (StockMovementKind.RESERVED, r.ReservationId, r.Owner),
            Adjusted a => (StockMovementKind.HOLD_CHANGED, a.ReservationId, holdOwner),
            Released r => (StockMovementKind.RELEASED, r.ReservationId, holdOwner),
            Committed c when c.By?.StartsWith(TransferPrefix, StringComparison.Ordinal) == true => (StockMovementKind.TRANSFER_OUT, c.ReservationId, c.By),
            Committed c => (StockMovementKind.COMMITTED, c.ReservationId, c.By ?? holdOwner),
            Sold s => (StockMovementKind.SOLD, s.SaleId, null),
            Returned r => (StockMovementKind.RETURNED, r.ReturnId, null),
            HoldExpired x => (StockMovementKind.EXPIRED, x.ReservationId, null),
            TransferredIn t => (StockMovementKind.TRANSFER_IN, t.TransferId, null),
            _ => throw new InvalidOperationException($"unknown inventory event {e.GetType().Name}"),
        };
        var actor = e is HoldExpired ? MovementContext.System.Actor : context?.Actor ?? ActorOf(owner);
        return new StockMovement(Sku, StoreId, after.Version, kind, onHandDelta, reservedDelta, after.OnHand, after.Reserved,
            reference, actor, context?.Channel, context?.Reason, e.At, context?.CustomerId);
    }

    /// <summary>A hold's owner or a sale's name as the ledger's actor: a till's hold is its store's staff.</summary>
    private static string ActorOf(string? owner) =>
        owner switch
        {
            null => MovementContext.System.Actor,
            _ when owner.StartsWith(PosPrefix, StringComparison.Ordinal) => "staff:" + owner[PosPrefix.Length..],
            _ => owner,
        };

    private const string PosPrefix = "pos:";
    private const string TransferPrefix = "transfer:";

    private StockResult? CheckContext(MovementContext? context) =>
        context?.Check() is { } error ? Refuse(error) : null;

    private StockResult Refuse(UserError error) => new(Level, Error: error);

    /// <summary>
    /// The edge checks ids already; the ledger checks again, so no caller's id can reach the
    /// journal (and fail a group commit shared with others) whatever path it came by.
    /// </summary>
    private StockResult? CheckId(string field, string id) =>
        !PrintableText.IsValidId(id)
            ? Refuse(UserError.InvalidArgument(field, $"{field} must be 1 to {Limits.MaxIdLength} printable characters (no control characters, no unpaired surrogates)"))
            : null;

    private StockResult? CheckQuantity(int quantity) =>
        quantity is <= 0 or > Limits.MaxMovementQuantity
            ? Refuse(UserError.InvalidArgument("quantity", $"quantity must be between 1 and {Limits.MaxMovementQuantity}, not {quantity}"))
            : null;

    private StockResult? CheckOnHandLimit(long onHand) =>
        onHand > Limits.MaxOnHand
            ? Refuse(UserError.InvalidArgument("quantity", $"on-hand would exceed {Limits.MaxOnHand}"))
            : null;

    private StockResult? CheckHold(TimeSpan holdFor) =>
        holdFor < Limits.MinHold || holdFor > Limits.MaxHold
            ? Refuse(UserError.InvalidArgument("ttlSeconds", $"a hold lasts between {Limits.MinHold.TotalSeconds:0} seconds and {Limits.MaxHold.TotalDays:0} days"))
            : null;

    private StockResult? CheckOwner(string? owner) =>
        owner is not null && !PrintableText.IsValid(owner, Limits.MaxIdLength)
            ? Refuse(UserError.InvalidArgument("owner", $"owner must be at most {Limits.MaxIdLength} printable characters"))
            : null;

    private StockResult? CheckAvailable(int quantity) =>
        quantity > Available
            ? Refuse(new UserError(ErrorCode.INSUFFICIENT_STOCK, $"only {Available} available at {StoreId} for {Sku}, {quantity} asked", "quantity"))
            : null;

    private UserError Ended(string reservationId) =>
        _applied.ContainsKey(Key("exp", reservationId))
            ? new UserError(ErrorCode.RESERVATION_EXPIRED, $"reservation {reservationId} lapsed and its units went back to stock", "reservationId")
            : _applied.ContainsKey(Key("com", reservationId))
                ? new UserError(ErrorCode.CONFLICT, $"reservation {reservationId} was already committed", "reservationId")
                : _applied.ContainsKey(Key("rel", reservationId))
                    ? new UserError(ErrorCode.CONFLICT, $"reservation {reservationId} was released", "reservationId")
                    : UserError.NotFound("reservationId", $"no reservation {reservationId} at {StoreId} for {Sku}");

    private Reservation RemoveHold(string reservationId)
    {
        var hold = _holds[reservationId];
        _holds.Remove(reservationId);
        _byExpiry.Remove((hold.ExpiresAt, hold.Id));
        Reserved -= hold.Quantity;
        return hold.ToReservation(this);
    }

    private void PutHold(Hold hold)
    {
        if (_holds.TryGetValue(hold.Id, out var previous))
        {
            _byExpiry.Remove((previous.ExpiresAt, previous.Id));
        }
        _holds[hold.Id] = hold;
        _byExpiry.Add((hold.ExpiresAt, hold.Id));
    }

    private sealed class ExpiryOrder : IComparer<(DateTimeOffset ExpiresAt, string Id)>
    {
        public static readonly ExpiryOrder Instance = new();

        public int Compare((DateTimeOffset ExpiresAt, string Id) x, (DateTimeOffset ExpiresAt, string Id) y)
        {
            var byTime = x.ExpiresAt.CompareTo(y.ExpiresAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    private void Remember(string key, string fingerprint, StockResult result, DateTimeOffset at)
    {
        var seq = ++_nextSeq;
        _applied[key] = new AppliedOperation(fingerprint, result, at, seq);
        _appliedOrder.Enqueue((key, seq, at));
    }

    private bool IsCurrent((string Key, long Seq, DateTimeOffset At) entry) =>
        _applied.TryGetValue(entry.Key, out var op) && op.Seq == entry.Seq;

    /// <summary>
    /// Old ids are forgotten after the retention window, and the oldest beyond a cap, so state
    /// stays compact. The cap counts the ids remembered, not the entries of the queue.
    /// </summary>
    private void Prune(DateTimeOffset now)
    {
        var horizon = now - _retention.KeepIdsFor;
        while (_appliedOrder.TryPeek(out var oldest))
        {
            if (!IsCurrent(oldest))
            {
                _appliedOrder.Dequeue();
                continue;
            }
            if (oldest.At >= horizon && _applied.Count <= _retention.MaxIds)
            {
                break;
            }
            _appliedOrder.Dequeue();
            _applied.Remove(oldest.Key);
        }
    }

    private static string Key(string kind, string id) => $"{kind}:{id}";

    private static string CommitFingerprint(string? by) => by is null ? "commit" : $"commit:{by}";

    private sealed record AppliedOperation(string Fingerprint, StockResult Result, DateTimeOffset At, long Seq);
}

/// <summary>The kinds of remembered ids whose movements change on-hand (and are kept durably).</summary>
public static class MovementKind
{
    /// <summary>Receipts, counts and safety stock: one id space (<c>movementId</c>).</summary>
    public const string Movement = "mv";
    public const string Sale = "sale";
    public const string Return = "ret";
    /// <summary>What arrived of a transfer (<c>transferId</c>).</summary>
    public const string TransferIn = "tin";
}

/// <summary>
/// An on-hand movement and its outcome as stored durably beside the journal
/// (<c>omni_inventory_movement_id</c>): enough to answer a retry with its first outcome.
/// </summary>
public sealed record MovementRecord(
    string Kind, string Id, string Fingerprint, DateTimeOffset At, int OnHand, int Reserved, int SafetyStock, long Version);

/// <summary>An active hold as the ledger keeps it.</summary>
public sealed record Hold(string Id, int Quantity, DateTimeOffset ExpiresAt, string? Owner)
{
    public Reservation ToReservation(StockLedger ledger) => new(Id, ledger.Sku, ledger.StoreId, Quantity, ExpiresAt, Owner);
}

/// <summary>How long applied ids are remembered for retries, and at most how many.</summary>
public sealed record LedgerRetention(TimeSpan KeepIdsFor, int MaxIds)
{
    public static LedgerRetention Default { get; } = new(TimeSpan.FromHours(24), 200_000);
}

/// <summary>The ledger's compact state as written to PostgreSQL every so many events.</summary>
public sealed record LedgerSnapshot(
    int OnHand,
    int SafetyStock,
    long Version,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<Hold> Holds,
    IReadOnlyList<AppliedSnapshot> Applied);

public sealed record AppliedSnapshot(
    string Key, string Fingerprint, DateTimeOffset At,
    int OnHand, int Reserved, int SafetyStock, long Version, Hold? Reservation);
