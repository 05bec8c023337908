namespace Omni.Carts;

/// <summary>
/// The rules of one cart, free of Orleans and of storage: who may change it, what a line may
/// hold, the lifecycle open → (merged away | checkout in doubt → checked out). Commands validate
/// and emit events; <see cref="Apply"/> is the only place state changes, so replaying the
/// commits rebuilds exactly what was acknowledged. The holds themselves are taken by the grain
/// from the inventory grains; the ledger records what they are.
/// </summary>
public sealed class CartLedger
{
    private readonly List<CartLine> _lines = [];
    private readonly HashSet<Guid> _absorbedFrom = [];
    private readonly Dictionary<string, Guid> _checkouts = new(StringComparer.Ordinal);
    private readonly List<CartEvent> _pending = [];

    public CartLedger(Guid id)
    {
        Id = id;
    }

    public Guid Id { get; }
    public bool Opened { get; private set; }
    public string? CustomerId { get; private set; }
    public string Currency { get; private set; } = "EUR";
    public long Version { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Channel? LastChangedBy { get; private set; }
    public bool CheckedOut { get; private set; }
    public Guid? OrderId { get; private set; }
    public Guid? MergedInto { get; private set; }
    public int NextLine { get; private set; }
    public IReadOnlyList<CartLine> Lines => _lines;

    /// <summary>A checkout whose order was asked for but whose outcome is not recorded yet.</summary>
    public (string Key, Guid OrderId)? CheckoutInDoubt { get; private set; }

    /// <summary>The owner the cart's holds are taken for at the inventory grains.</summary>
    public string HoldOwner => $"cart:{Id:N}";

    public bool HasPending => _pending.Count > 0;

    public CartView View() => new(Id, CustomerId, Version, [.. _lines], Currency, CheckedOut, UpdatedAt, LastChangedBy, MergedInto, OrderId);

    // ------------------------------------------------------------------ questions

    /// <summary>An anonymous cart to whoever knows its id; a customer's to that customer; any to ops and to the cluster itself (no actor).</summary>
    public bool MayBeUsedBy(Actor? actor) =>
        actor is null || actor.Ops || CustomerId is null || actor.CustomerId == CustomerId;

    /// <summary>Why the cart cannot change now, or null when it can.</summary>
    public UserError? Refusal(long? expectedVersion)
    {
        if (!Opened)
        {
            return UserError.NotFound("cartId", $"no cart {Id}");
        }
        if (CheckedOut)
        {
            return new UserError(ErrorCode.ALREADY_CHECKED_OUT, $"cart {Id} was checked out into order {OrderId}", "cartId");
        }
        if (MergedInto is { } target)
        {
            return new UserError(ErrorCode.CONFLICT, $"cart {Id} was merged into cart {target}", "cartId");
        }
        if (expectedVersion is { } expected && expected != Version)
        {
            return new UserError(ErrorCode.VERSION_CONFLICT, $"the cart is at version {Version}, not {expected}: reload it and try again", "expectedVersion");
        }
        return null;
    }

    public CartLine? Line(string lineId) => _lines.Find(l => l.Id == lineId);

    /// <summary>The line a new quantity of (sku, fulfillment) adds to: one per SKU for shipping, one per SKU and store for pickup.</summary>
    public CartLine? LineFor(string sku, FulfillmentKind kind, string? storeId) =>
        _lines.Find(l => l.Sku == sku && l.Fulfillment == kind && (kind == FulfillmentKind.SHIP || l.StoreId == storeId));

    /// <summary>Refuses a quantity outside 1..MaxUnitsPerLine, or a new line in a full cart.</summary>
    public UserError? CheckQuantity(int quantity, bool newLine)
    {
        if (quantity is < 1 or > Limits.MaxUnitsPerLine)
        {
            return UserError.InvalidArgument("quantity", $"a line holds between 1 and {Limits.MaxUnitsPerLine} units, not {quantity}");
        }
        if (newLine && _lines.Count >= Limits.MaxLinesPerCart)
        {
            return UserError.InvalidArgument("sku", $"a cart holds at most {Limits.MaxLinesPerCart} lines");
        }
        return null;
    }

    public string NewLineId() => $"L{NextLine + 1}";

    /// <summary>A fresh hold id for a line: unique, so a hold that was taken but never recorded is never mistaken for a later one.</summary>
    public string NewReservationId(string lineId) => $"c{Id:N}-{lineId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// An anonymous cart (so an anonymous session) holds at most <paramref name="maxUnits"/> units
    /// over all its lines, with line <paramref name="lineId"/> (null: a new one) at <paramref name="quantity"/>.
    /// A customer's cart is bounded by its lines and units per line alone.
    /// </summary>
    public UserError? CheckAnonymousUnits(string? lineId, int quantity, int maxUnits)
    {
        if (CustomerId is not null)
        {
            return null;
        }
        var units = (long)quantity + _lines.Where(l => l.Id != lineId).Sum(l => (long)l.Quantity);
        return units > maxUnits
            ? UserError.InvalidArgument("quantity", $"an anonymous cart holds at most {maxUnits} units; sign in for more")
            : null;
    }

    /// <summary>
    /// The units this anonymous cart holds for its client: those of its held lines while it is
    /// open; none once a customer owns it, it is checked out or merged away.
    /// </summary>
    public int HeldUnits => CustomerId is not null || CheckedOut || MergedInto is not null ? 0 : HeldUnitsWith(null, 0);

    /// <summary>The units held with line <paramref name="lineId"/> (null: a new one) at <paramref name="quantity"/>.</summary>
    public int HeldUnitsWith(string? lineId, int quantity) =>
        quantity + _lines.Where(l => l.ReservationId is not null && l.Id != lineId).Sum(l => l.Quantity);

    public bool IsHeld(CartLine line, DateTimeOffset now) => line.ReservationId is not null && line.ReservedUntil > now;

    /// <summary>When the earliest hold runs out, if any hold is active.</summary>
    public DateTimeOffset? NextLapse => CheckedOut || MergedInto is not null
        ? null
        : _lines.Where(l => l.ReservationId is not null).Min(l => l.ReservedUntil);

    public bool TryGetCheckout(string key, out Guid orderId) => _checkouts.TryGetValue(key, out orderId);

    public bool HasAbsorbed(Guid from) => _absorbedFrom.Contains(from);

    // ------------------------------------------------------------------ commands

    public void Open(string? customerId, string currency)
    {
        if (!Opened)
        {
            Emit(new CartOpened(customerId, currency));
        }
    }

    public void Put(CartLine line)
    {
        if (line.Quantity is < 1 or > Limits.MaxUnitsPerLine)
        {
            throw new ArgumentOutOfRangeException(nameof(line), line.Quantity, "a line holds 1 to MaxUnitsPerLine units");
        }
        if (Line(line.Id) is null && _lines.Count >= Limits.MaxLinesPerCart)
        {
            throw new InvalidOperationException($"a cart holds at most {Limits.MaxLinesPerCart} lines");
        }
        Emit(new LinePut(line));
    }

    public void Remove(string lineId)
    {
        if (Line(lineId) is not null)
        {
            Emit(new LineRemoved(lineId));
        }
    }

    /// <summary>
    /// Records every hold that ran out by <paramref name="now"/>; true if there was one. Once a
    /// checkout has begun the holds are the order's to commit or release, so nothing lapses here.
    /// </summary>
    public bool MarkLapsed(DateTimeOffset now)
    {
        if (CheckoutInDoubt is not null || CheckedOut || MergedInto is not null)
        {
            return false;
        }
        var lapsed = _lines.Where(l => l.ReservationId is not null && l.ReservedUntil <= now).Select(l => l.Id).ToList();
        foreach (var lineId in lapsed)
        {
            Emit(new HoldLapsed(lineId));
        }
        return lapsed.Count > 0;
    }

    public void StartCheckout(string key, Guid orderId)
    {
        if (CheckoutInDoubt is not null)
        {
            throw new InvalidOperationException("a checkout is already in doubt: resolve it first");
        }
        Emit(new CheckoutStarted(key, orderId));
    }

    public void CompleteCheckout(string key, Guid orderId) => Emit(new CheckoutCompleted(key, orderId));

    public void FailCheckout(string key, Guid orderId) => Emit(new CheckoutFailed(key, orderId));

    public void MergeAway(Guid target) => Emit(new MergedAway(target));

    public void Absorb(Guid from) => Emit(new Absorbed(from));

    /// <summary>Seals the events emitted since the last commit into the next version; null when there are none.</summary>
    public CartCommit? TakeCommit(DateTimeOffset at, Channel? channel)
    {
        if (_pending.Count == 0)
        {
            return null;
        }
        var commit = new CartCommit(at, channel, [.. _pending]);
        _pending.Clear();
        Seal(commit);
        return commit;
    }

    // ------------------------------------------------------------------ events

    /// <summary>Replays one durable commit.</summary>
    public void Apply(CartCommit commit)
    {
        foreach (var e in commit.Events)
        {
            Apply(e);
        }
        Seal(commit);
    }

    private void Emit(CartEvent e)
    {
        _pending.Add(e);
        Apply(e);
    }

    private void Apply(CartEvent e)
    {
        switch (e)
        {
            case CartOpened o:
                Opened = true;
                CustomerId = o.CustomerId;
                Currency = o.Currency;
                break;
            case LinePut p:
                var index = _lines.FindIndex(l => l.Id == p.Line.Id);
                if (index >= 0)
                {
                    _lines[index] = p.Line;
                }
                else
                {
                    _lines.Add(p.Line);
                    NextLine = Math.Max(NextLine, LineNumber(p.Line.Id));
                }
                break;
            case LineRemoved r:
                _lines.RemoveAll(l => l.Id == r.LineId);
                break;
            case HoldLapsed x:
                var lapsed = _lines.FindIndex(l => l.Id == x.LineId);
                _lines[lapsed] = _lines[lapsed] with { ReservationId = null };
                break;
            case CheckoutStarted s:
                CheckoutInDoubt = (s.Key, s.OrderId);
                break;
            case CheckoutCompleted c:
                CheckoutInDoubt = null;
                _checkouts[c.Key] = c.OrderId;
                CheckedOut = true;
                OrderId = c.OrderId;
                break;
            case CheckoutFailed:
                CheckoutInDoubt = null;
                break;
            case MergedAway m:
                _lines.Clear();
                MergedInto = m.Target;
                break;
            case Absorbed a:
                _absorbedFrom.Add(a.From);
                break;
            default:
                throw new InvalidOperationException($"unknown cart event {e.GetType().Name}");
        }
    }

    private void Seal(CartCommit commit)
    {
        Version++;
        UpdatedAt = commit.At;
        LastChangedBy = commit.Channel ?? LastChangedBy;
    }

    private static int LineNumber(string lineId) => int.TryParse(lineId.AsSpan(1), out var n) ? n : 0;

    // ------------------------------------------------------------------ snapshot

    public CartSnapshot ToSnapshot() => new(
        Opened, CustomerId, Currency, Version, UpdatedAt, LastChangedBy, CheckedOut, OrderId, MergedInto, NextLine,
        [.. _lines], [.. _absorbedFrom], new Dictionary<string, Guid>(_checkouts), CheckoutInDoubt?.Key, CheckoutInDoubt?.OrderId);

    public static CartLedger FromSnapshot(Guid id, CartSnapshot s)
    {
        var ledger = new CartLedger(id)
        {
            Opened = s.Opened,
            CustomerId = s.CustomerId,
            Currency = s.Currency,
            Version = s.Version,
            UpdatedAt = s.UpdatedAt,
            LastChangedBy = s.LastChangedBy,
            CheckedOut = s.CheckedOut,
            OrderId = s.OrderId,
            MergedInto = s.MergedInto,
            NextLine = s.NextLine,
            CheckoutInDoubt = s.InDoubtKey is { } key && s.InDoubtOrder is { } order ? (key, order) : null,
        };
        ledger._lines.AddRange(s.Lines);
        ledger._absorbedFrom.UnionWith(s.AbsorbedFrom);
        foreach (var (checkoutKey, orderId) in s.Checkouts)
        {
            ledger._checkouts[checkoutKey] = orderId;
        }
        return ledger;
    }
}

/// <summary>A cart's whole state as one document (the journal's snapshot, and what an upgrade brings over).</summary>
public sealed record CartSnapshot(
    bool Opened,
    string? CustomerId,
    string Currency,
    long Version,
    DateTimeOffset UpdatedAt,
    Channel? LastChangedBy,
    bool CheckedOut,
    Guid? OrderId,
    Guid? MergedInto,
    int NextLine,
    IReadOnlyList<CartLine> Lines,
    IReadOnlyList<Guid> AbsorbedFrom,
    IReadOnlyDictionary<string, Guid> Checkouts,
    string? InDoubtKey,
    Guid? InDoubtOrder);
