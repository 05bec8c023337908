using Omni.Carts;

namespace Omni.Wallets;

/// <summary>What one wallet change did.</summary>
public enum WalletChange
{
    ToppedUp,
    Charged,
    PointsRedeemed,
    PointsEarned,
    PointsReversed,
    /// <summary>Points set aside for a cart's checkout: not spendable elsewhere, spent or released with the checkout.</summary>
    PointsHeld,
    /// <summary>A cart's holds given back (its checkout failed, or they lapsed).</summary>
    HoldsReleased,
    /// <summary>Points redeemed on an order given back (the order was cancelled).</summary>
    PointsRefunded,
}

/// <summary>
/// One durable wallet change, with the client id that made it. <see cref="Amount"/> is the money
/// moved (a top-up, a charge) or, for points earned, the purchase total they were earned on;
/// <see cref="Points"/> the points asked for (a reversal takes what is there and owes the rest).
/// </summary>
public sealed record WalletEvent(
    string Id,
    WalletChange Change,
    decimal Amount,
    int Points,
    DateTimeOffset At,
    string? StoreId = null,
    Guid? OrderId = null,
    Channel? Channel = null,
    Guid? CartId = null);

/// <summary>Points set aside for a cart's checkout.</summary>
public sealed record PointsHold(string Id, Guid CartId, int Points, DateTimeOffset At);

/// <summary>What a remembered id did: its terms, so a reuse for other terms is a CONFLICT, and the wallet right after it.</summary>
public sealed record RememberedChange(string Id, string Terms, decimal Balance, int Points, long Version, DateTimeOffset At, int Moved = 0);

/// <summary>
/// One durable commit of a wallet: its changes, and (when <see cref="DeliveredUpTo"/> is set) how
/// far the timeline has acknowledged its outbox.
/// </summary>
public sealed record WalletCommit(IReadOnlyList<WalletEvent> Events, long? DeliveredUpTo = null);

/// <summary>A change the customer's timeline has not acknowledged yet: the outbox, kept in the wallet's own state.</summary>
public sealed record OutboxEntry(long Version, WalletEvent Event, int PointsMoved);

public sealed record WalletSnapshot(
    decimal Balance,
    int Points,
    int PointsOwed,
    string Currency,
    long Version,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<RememberedChange> Remembered,
    IReadOnlyList<OutboxEntry>? Outbox = null,
    IReadOnlyList<PointsHold>? Holds = null);

/// <summary>
/// The rules of one customer's wallet, with no Orleans in it: commands validate and emit a
/// <see cref="WalletEvent"/>, <see cref="Apply(WalletEvent)"/> is the only place state changes.
/// Balance and points never go below zero. Every change carries a client id; a retry with the
/// same id and terms answers as the first call did, the same id for other terms is a CONFLICT.
/// Refusals change nothing and are not remembered: a refused id may be tried again.
/// </summary>
public sealed class WalletLedger(string customerId, int maxIds = WalletLedger.DefaultMaxIds)
{
    /// <summary>Ids remembered per wallet; the oldest are forgotten beyond it.</summary>
    public const int DefaultMaxIds = 10_000;
    /// <summary>The most one change may move, and the most a wallet may hold.</summary>
    public const decimal MaxAmount = 100_000m;
    public const decimal MaxBalance = 1_000_000m;
    public const int MaxPointsPerChange = 10_000_000;
    public const int MaxPoints = 1_000_000_000;
    public const string DefaultCurrency = "EUR";
    /// <summary>Points set aside at once, over every cart: a caller cannot grow the wallet's state without bound.</summary>
    public const int MaxHolds = 100;

    private readonly Dictionary<string, RememberedChange> _remembered = new(StringComparer.Ordinal);
    private readonly Queue<string> _rememberedOrder = new();
    private readonly List<WalletEvent> _pending = [];
    private readonly List<OutboxEntry> _outbox = [];
    private readonly List<PointsHold> _holds = [];
    private long? _pendingDelivered;

    public string CustomerId { get; } = customerId;
    public decimal Balance { get; private set; }
    public int Points { get; private set; }
    /// <summary>Points reversed after the customer had spent them: paid from the next points earned.</summary>
    public int PointsOwed { get; private set; }
    public string Currency { get; private set; } = DefaultCurrency;
    public long Version { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int RememberedCount => _remembered.Count;
    /// <summary>Changes applied but not yet acknowledged by the customer's timeline, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> Outbox => _outbox;
    public IReadOnlyList<PointsHold> Holds => _holds;
    /// <summary>Points set aside for checkouts.</summary>
    public int Held => _holds.Sum(h => h.Points);
    /// <summary>Points the customer may spend: what they have, less what is set aside.</summary>
    public int Available => Points - Held;

    /// <summary>The wallet as channels see it: the points are those the customer may spend.</summary>
    public WalletView View() => new(CustomerId, Balance, Currency, Available, Version, UpdatedAt);

    public WalletResult TopUp(string id, decimal amount, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, Terms(WalletChange.ToppedUp, amount, 0)) is { } replay)
        {
            return replay;
        }
        if (InvalidAmount(amount) is { } invalid)
        {
            return Refuse(invalid);
        }
        if (Balance + amount > MaxBalance)
        {
            return Refuse(UserError.InvalidArgument("amount", $"a wallet holds at most {MaxBalance:0.00}"));
        }
        return Emit(new WalletEvent(id, WalletChange.ToppedUp, amount, 0, now, source?.StoreId, source?.OrderId, source?.Channel));
    }

    public WalletResult Charge(string id, decimal amount, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, Terms(WalletChange.Charged, amount, 0)) is { } replay)
        {
            return replay;
        }
        if (InvalidAmount(amount) is { } invalid)
        {
            return Refuse(invalid);
        }
        if (amount > Balance)
        {
            return Refuse(new UserError(ErrorCode.INSUFFICIENT_FUNDS, $"the balance is {Balance:0.00}, less than {amount:0.00}", "amount"));
        }
        return Emit(new WalletEvent(id, WalletChange.Charged, amount, 0, now, source?.StoreId, source?.OrderId, source?.Channel));
    }

    public WalletResult Redeem(string id, int points, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, Terms(WalletChange.PointsRedeemed, 0, points)) is { } replay)
        {
            return replay;
        }
        if (InvalidPoints(points) is { } invalid)
        {
            return Refuse(invalid);
        }
        if (points > Available)
        {
            return Refuse(new UserError(ErrorCode.INSUFFICIENT_FUNDS, $"{Available} points to spend, fewer than {points}", "points"));
        }
        return Emit(new WalletEvent(id, WalletChange.PointsRedeemed, 0, points, now, source?.StoreId, source?.OrderId, source?.Channel));
    }

    /// <summary>Sets <paramref name="points"/> aside for the checkout of <paramref name="cartId"/>.</summary>
    public WalletResult Hold(string id, int points, Guid cartId, DateTimeOffset now)
    {
        if (Replay(id, Terms(WalletChange.PointsHeld, 0, points) + $":{cartId:N}") is { } replay)
        {
            return replay;
        }
        if (InvalidPoints(points) is { } invalid)
        {
            return Refuse(invalid);
        }
        if (points > Available)
        {
            return Refuse(new UserError(ErrorCode.INSUFFICIENT_FUNDS, $"{Available} points to spend, fewer than {points}", "points"));
        }
        if (_holds.Count >= MaxHolds)
        {
            return Refuse(UserError.InvalidArgument("redemptionId", $"at most {MaxHolds} redemptions may wait for a checkout at once"));
        }
        return Emit(new WalletEvent(id, WalletChange.PointsHeld, 0, points, now, CartId: cartId));
    }

    /// <summary>Gives back what is set aside for <paramref name="cartId"/> (a no-op when nothing is).</summary>
    public WalletResult ReleaseHolds(Guid cartId, DateTimeOffset now)
    {
        var held = _holds.Where(h => h.CartId == cartId).Sum(h => h.Points);
        return held == 0
            ? new WalletResult(View(), null)
            : Emit(new WalletEvent($"cart:{cartId:N}:released:{Version + 1}", WalletChange.HoldsReleased, 0, held, now, CartId: cartId));
    }

    /// <summary>Gives back the holds older than <paramref name="before"/>, cart by cart; returns how many carts.</summary>
    public int ReleaseHoldsOlderThan(DateTimeOffset before, DateTimeOffset now)
    {
        var carts = _holds.Where(h => h.At < before).Select(h => h.CartId).Distinct().ToList();
        foreach (var cart in carts)
        {
            ReleaseHolds(cart, now);
        }
        return carts.Count;
    }

    /// <summary>
    /// A checkout spends what is set aside for its cart (none: nothing happens). The result's
    /// <see cref="WalletResult.Moved"/> is the points spent; the same id again answers the same.
    /// </summary>
    public WalletResult RedeemHeld(string id, Guid cartId, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, $"{WalletChange.PointsRedeemed}:cart:{cartId:N}") is { } replay)
        {
            return replay;
        }
        var held = _holds.Where(h => h.CartId == cartId).Sum(h => h.Points);
        return held == 0
            ? new WalletResult(View(), null)
            : Emit(new WalletEvent(id, WalletChange.PointsRedeemed, 0, held, now, source?.StoreId, source?.OrderId, source?.Channel, cartId));
    }

    /// <summary>Points redeemed on an order given back.</summary>
    public WalletResult Refund(string id, int points, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, Terms(WalletChange.PointsRefunded, 0, points)) is { } replay)
        {
            return replay;
        }
        if (InvalidPoints(points) is { } invalid)
        {
            return Refuse(invalid);
        }
        if ((long)Points + points > MaxPoints)
        {
            return Refuse(UserError.InvalidArgument("points", $"a wallet holds at most {MaxPoints} points"));
        }
        return Emit(new WalletEvent(id, WalletChange.PointsRefunded, 0, points, now, source?.StoreId, source?.OrderId, source?.Channel));
    }

    public WalletResult Earn(string id, int points, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, Terms(WalletChange.PointsEarned, 0, points)) is { } replay)
        {
            return replay;
        }
        if (InvalidPoints(points) is { } invalid)
        {
            return Refuse(invalid);
        }
        if ((long)Points + points - Math.Min(points, PointsOwed) > MaxPoints)
        {
            return Refuse(UserError.InvalidArgument("points", $"a wallet holds at most {MaxPoints} points"));
        }
        return Emit(new WalletEvent(id, WalletChange.PointsEarned, source?.Amount ?? 0, points, now, source?.StoreId, source?.OrderId, source?.Channel));
    }

    public WalletResult Reverse(string id, int points, DateTimeOffset now, WalletSource? source = null)
    {
        if (Replay(id, Terms(WalletChange.PointsReversed, 0, points)) is { } replay)
        {
            return replay;
        }
        if (InvalidPoints(points) is { } invalid)
        {
            return Refuse(invalid);
        }
        if ((long)PointsOwed + points > MaxPoints)
        {
            return Refuse(UserError.InvalidArgument("points", $"a wallet owes at most {MaxPoints} points"));
        }
        return Emit(new WalletEvent(id, WalletChange.PointsReversed, source?.Amount ?? 0, points, now, source?.StoreId, source?.OrderId, source?.Channel));
    }

    /// <summary>The timeline acknowledged the outbox up to <paramref name="version"/>: recorded in the next commit.</summary>
    public void Delivered(long version)
    {
        if (_outbox.Count > 0 && _outbox[0].Version <= version)
        {
            _pendingDelivered = version;
            TakeDelivered(version);
        }
    }

    /// <summary>What changed since the last call, to be made durable as one commit; null when nothing did.</summary>
    public WalletCommit? TakeCommit()
    {
        if (_pending.Count == 0 && _pendingDelivered is null)
        {
            return null;
        }
        var commit = new WalletCommit(_pending.ToArray(), _pendingDelivered);
        _pending.Clear();
        _pendingDelivered = null;
        return commit;
    }

    public void Apply(WalletCommit commit)
    {
        foreach (var e in commit.Events)
        {
            Apply(e);
        }
        if (commit.DeliveredUpTo is { } delivered)
        {
            TakeDelivered(delivered);
        }
    }

    private void TakeDelivered(long version) => _outbox.RemoveAll(o => o.Version <= version);

    /// <summary>The only place the wallet changes; replaying the journal through it rebuilds the state exactly.</summary>
    public void Apply(WalletEvent e)
    {
        var pointsBefore = Points;
        switch (e.Change)
        {
            case WalletChange.ToppedUp:
                Balance += e.Amount;
                break;
            case WalletChange.Charged:
                Balance -= e.Amount;
                break;
            case WalletChange.PointsRedeemed:
                Points -= e.Points;
                if (e.CartId is { } cart)
                {
                    // A checkout spent what was set aside for its cart.
                    _holds.RemoveAll(h => h.CartId == cart);
                }
                break;
            case WalletChange.PointsEarned:
                var repaid = Math.Min(e.Points, PointsOwed);
                PointsOwed -= repaid;
                Points += e.Points - repaid;
                break;
            case WalletChange.PointsReversed:
                // Held points stay backed: a reversal takes only what the customer may spend.
                var taken = Math.Min(e.Points, Math.Max(0, Available));
                Points -= taken;
                PointsOwed += e.Points - taken;
                break;
            case WalletChange.PointsHeld:
                _holds.Add(new PointsHold(e.Id, e.CartId!.Value, e.Points, e.At));
                break;
            case WalletChange.HoldsReleased:
                _holds.RemoveAll(h => h.CartId == e.CartId);
                break;
            case WalletChange.PointsRefunded:
                Points += e.Points;
                break;
            default:
                throw new InvalidOperationException($"unknown wallet change {e.Change}");
        }
        Version++;
        UpdatedAt = e.At;
        if (e.Change is not (WalletChange.PointsHeld or WalletChange.HoldsReleased))
        {
            // Setting points aside for a checkout and giving them back are not the customer's history; spending them is.
            _outbox.Add(new OutboxEntry(Version, e, Points - pointsBefore));
        }
        Remember(new RememberedChange(e.Id, TermsOf(e), Balance, Available, Version, e.At, e.Points));
    }

    /// <summary>The terms a command judged <paramref name="e"/> by: a retry must name the same.</summary>
    private static string TermsOf(WalletEvent e) => e switch
    {
        { Change: WalletChange.ToppedUp or WalletChange.Charged } => Terms(e.Change, e.Amount, 0),
        { Change: WalletChange.PointsHeld, CartId: { } cart } => Terms(e.Change, 0, e.Points) + $":{cart:N}",
        { Change: WalletChange.PointsRedeemed, CartId: { } cart } => $"{WalletChange.PointsRedeemed}:cart:{cart:N}",
        _ => Terms(e.Change, 0, e.Points),
    };

    public WalletSnapshot ToSnapshot() =>
        new(Balance, Points, PointsOwed, Currency, Version, UpdatedAt, [.. _rememberedOrder.Select(id => _remembered[id])], [.. _outbox], [.. _holds]);

    public static WalletLedger FromSnapshot(string customerId, WalletSnapshot snapshot, int maxIds = DefaultMaxIds)
    {
        var ledger = new WalletLedger(customerId, maxIds)
        {
            Balance = snapshot.Balance,
            Points = snapshot.Points,
            PointsOwed = snapshot.PointsOwed,
            Currency = snapshot.Currency,
            Version = snapshot.Version,
            UpdatedAt = snapshot.UpdatedAt,
        };
        foreach (var r in snapshot.Remembered)
        {
            ledger.Remember(r);
        }
        ledger._outbox.AddRange(snapshot.Outbox ?? []);
        ledger._holds.AddRange(snapshot.Holds ?? []);
        return ledger;
    }

    private WalletResult Emit(WalletEvent e)
    {
        _pending.Add(e);
        Apply(e);
        return new WalletResult(View(), null, e.Points);
    }

    private WalletResult Refuse(UserError error) => new(View(), error);

    private WalletResult? Replay(string id, string terms)
    {
        if (!_remembered.TryGetValue(id, out var first))
        {
            return null;
        }
        return first.Terms == terms
            ? new WalletResult(new WalletView(CustomerId, first.Balance, Currency, first.Points, first.Version, first.At), null, first.Moved)
            : Refuse(new UserError(ErrorCode.CONFLICT, $"the id '{id}' was already used for another wallet change", "id"));
    }

    private void Remember(RememberedChange change)
    {
        if (_remembered.TryAdd(change.Id, change))
        {
            _rememberedOrder.Enqueue(change.Id);
            while (_remembered.Count > maxIds && _rememberedOrder.TryDequeue(out var oldest))
            {
                _remembered.Remove(oldest);
            }
        }
    }

    private static string Terms(WalletChange change, decimal amount, int points) =>
        FormattableString.Invariant($"{change}:{amount:0.############################}:{points}");

    private static UserError? InvalidAmount(decimal amount) =>
        amount <= 0 || amount > MaxAmount
            ? UserError.InvalidArgument("amount", $"the amount must be above 0 and at most {MaxAmount:0.00}")
            : decimal.Round(amount, 2) != amount
                ? UserError.InvalidArgument("amount", "the amount has at most two decimal places")
                : null;

    private static UserError? InvalidPoints(int points) =>
        points is <= 0 or > MaxPointsPerChange
            ? UserError.InvalidArgument("points", $"points must be above 0 and at most {MaxPointsPerChange}")
            : null;
}
