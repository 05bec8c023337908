using Omni.Inventory;

namespace Omni.Transfers;

/// <summary>Where a transfer's saga is: a step is written before it is carried out, and cleared once it is done.</summary>
public enum TransferStep
{
    None,
    /// <summary>Holding the lines at the origin.</summary>
    Holding,
    /// <summary>Taking the held units off the origin's on-hand (TRANSFER_OUT).</summary>
    Dispatching,
    /// <summary>Adding what arrived to the destination's on-hand (TRANSFER_IN).</summary>
    Receiving,
    /// <summary>Releasing the origin's holds.</summary>
    Cancelling,
}

/// <summary>
/// The rules of one transfer, free of Orleans and of storage: which command is allowed in which
/// status, what a request or a receipt may say, and which lines of the current step are done.
/// The grain writes <see cref="ToState"/> before it carries a step out, so a crash never loses
/// a step begun, and each step's inventory calls are idempotent, so carrying one out twice is harmless.
/// </summary>
public sealed class TransferLedger
{
    private readonly List<TransferLine> _lines = [];
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);

    public TransferLedger(string id) => Id = id;

    public string Id { get; }
    public bool Exists => Version > 0;
    public string FromStoreId { get; private set; } = "";
    public string ToStoreId { get; private set; } = "";
    public TransferStatus Status { get; private set; }
    public TransferStep Step { get; private set; }
    /// <summary>Who asked for the step in flight: its movements record them.</summary>
    public MovementContext? StepBy { get; private set; }
    /// <summary>Why a request ended CANCELLED without anyone cancelling it (its holds were refused).</summary>
    public UserError? Refusal { get; private set; }
    public long Version { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public IReadOnlyList<TransferLine> Lines => _lines;
    public IReadOnlySet<string> Done => _done;
    public bool InFlight => Step != TransferStep.None;

    public TransferView View() => new(Id, FromStoreId, ToStoreId, Status, [.. _lines], Version, CreatedAt, UpdatedAt);

    /// <summary>The lines of the step in flight that are still to do.</summary>
    public IEnumerable<TransferLine> Pending => _lines.Where(l => !_done.Contains(l.Sku));

    // ------------------------------------------------------------------ commands

    /// <summary>Shape checks of a request: everything that needs no other grain.</summary>
    public static UserError? CheckRequest(string transferId, string fromStoreId, string toStoreId, IReadOnlyList<TransferLineRequest> lines) =>
        !PrintableText.IsValidId(transferId) ? UserError.InvalidArgument("transferId", $"transferId must be 1 to {Limits.MaxIdLength} printable characters")
        : !PrintableText.IsValidId(fromStoreId) || fromStoreId.Contains('/') ? UserError.NotFound("fromStoreId", $"no location '{fromStoreId}'")
        : !PrintableText.IsValidId(toStoreId) || toStoreId.Contains('/') ? UserError.NotFound("toStoreId", $"no location '{toStoreId}'")
        : fromStoreId == toStoreId ? UserError.InvalidArgument("toStoreId", "a transfer goes between two different locations")
        : lines.Count is 0 or > ITransferGrain.MaxLines ? UserError.InvalidArgument("lines", $"a transfer has 1 to {ITransferGrain.MaxLines} lines, not {lines.Count}")
        : lines.FirstOrDefault(l => !PrintableText.IsValidId(l.Sku)) is { } badSku ? UserError.NotFound("lines", $"no product '{badSku.Sku}'")
        : lines.FirstOrDefault(l => l.Quantity is <= 0 or > Limits.MaxMovementQuantity) is { } bad
            ? UserError.InvalidArgument("lines", $"quantity must be between 1 and {Limits.MaxMovementQuantity}, not {bad.Quantity} (SKU {bad.Sku})")
        : lines.GroupBy(l => l.Sku, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? UserError.InvalidArgument("lines", $"SKU {twice.Key} is on the transfer more than once")
        : null;

    /// <summary>True when an existing transfer is what this request asks for (a retry).</summary>
    public bool Matches(string fromStoreId, string toStoreId, IReadOnlyList<TransferLineRequest> lines) =>
        FromStoreId == fromStoreId && ToStoreId == toStoreId && _lines.Count == lines.Count
        && _lines.Zip(lines).All(p => p.First.Sku == p.Second.Sku && p.First.Quantity == p.Second.Quantity);

    public void Request(string fromStoreId, string toStoreId, IReadOnlyList<TransferLineRequest> lines, MovementContext by, DateTimeOffset now)
    {
        (FromStoreId, ToStoreId, Status, CreatedAt) = (fromStoreId, toStoreId, TransferStatus.REQUESTED, now);
        _lines.AddRange(lines.Select(l => new TransferLine(l.Sku, l.Quantity, 0)));
        Begin(TransferStep.Holding, by, now);
    }

    /// <summary>A hold was refused (not enough available): the request ends CANCELLED and the holds it got are released.</summary>
    public void HoldRefused(UserError refusal, DateTimeOffset now)
    {
        Refusal = refusal;
        Status = TransferStatus.CANCELLED;
        Begin(TransferStep.Cancelling, StepBy ?? MovementContext.System, now);
    }

    public UserError? Dispatch(MovementContext by, DateTimeOffset now)
    {
        if (Status == TransferStatus.IN_TRANSIT)
        {
            return null; // already dispatched: a retry
        }
        if (Status != TransferStatus.REQUESTED)
        {
            return UserError.InvalidState("transferId", $"transfer {Id} is {Status}, it cannot be dispatched");
        }
        Status = TransferStatus.IN_TRANSIT;
        Begin(TransferStep.Dispatching, by, now);
        return null;
    }

    public UserError? Receive(IReadOnlyList<TransferLineRequest>? received, MovementContext by, DateTimeOffset now)
    {
        if (CheckReceipt(received) is { } invalid)
        {
            return invalid;
        }
        var arrived = _lines.Select(l => l with { Received = received?.FirstOrDefault(r => r.Sku == l.Sku)?.Quantity ?? l.Quantity }).ToList();
        if (Status == TransferStatus.RECEIVED)
        {
            // A double receive never counts twice: the same receipt is a retry, another one a conflict.
            return arrived.SequenceEqual(_lines) ? null : UserError.InvalidState("transferId", $"transfer {Id} was already received");
        }
        if (Status != TransferStatus.IN_TRANSIT)
        {
            return UserError.InvalidState("transferId", $"transfer {Id} is {Status}, it cannot be received");
        }
        _lines.Clear();
        _lines.AddRange(arrived);
        Status = TransferStatus.RECEIVED;
        Begin(TransferStep.Receiving, by, now);
        // Nothing to add where nothing arrived.
        _done.UnionWith(_lines.Where(l => l.Received == 0).Select(l => l.Sku));
        return null;
    }

    public UserError? Cancel(MovementContext by, DateTimeOffset now)
    {
        if (Status == TransferStatus.CANCELLED)
        {
            return null;
        }
        if (Status != TransferStatus.REQUESTED)
        {
            return UserError.InvalidState("transferId", $"transfer {Id} is {Status}: only a transfer not yet dispatched can be cancelled");
        }
        Status = TransferStatus.CANCELLED;
        Begin(TransferStep.Cancelling, by, now);
        return null;
    }

    /// <summary>One line of the step in flight is done at its inventory grain.</summary>
    public void LineDone(string sku) => _done.Add(sku);

    /// <summary>The step in flight is done (every line).</summary>
    public void CompleteStep(DateTimeOffset now)
    {
        Step = TransferStep.None;
        StepBy = null;
        _done.Clear();
        Touch(now);
    }

    private UserError? CheckReceipt(IReadOnlyList<TransferLineRequest>? received)
    {
        if (received is null)
        {
            return null;
        }
        if (received.Count > ITransferGrain.MaxLines)
        {
            return UserError.InvalidArgument("received", $"a receipt has at most {ITransferGrain.MaxLines} lines");
        }
        foreach (var line in received)
        {
            var sent = _lines.FirstOrDefault(l => l.Sku == line.Sku);
            if (sent is null)
            {
                return UserError.InvalidArgument("received", $"SKU {line.Sku} is not on transfer {Id}");
            }
            if (line.Quantity < 0 || line.Quantity > sent.Quantity)
            {
                return UserError.InvalidArgument("received", $"between 0 and {sent.Quantity} of {line.Sku} can arrive, not {line.Quantity}");
            }
        }
        return received.GroupBy(l => l.Sku, StringComparer.Ordinal).Any(g => g.Count() > 1)
            ? UserError.InvalidArgument("received", "a SKU is on the receipt more than once")
            : null;
    }

    private void Begin(TransferStep step, MovementContext by, DateTimeOffset now)
    {
        Step = step;
        StepBy = by;
        _done.Clear();
        Touch(now);
    }

    private void Touch(DateTimeOffset now)
    {
        Version++;
        UpdatedAt = now;
    }

    // ------------------------------------------------------------------ state

    public TransferState ToState() => new(FromStoreId, ToStoreId, Status, [.. _lines], Version, CreatedAt, UpdatedAt, Step, StepBy, [.. _done], Refusal);

    public static TransferLedger FromState(string id, TransferState s)
    {
        var ledger = new TransferLedger(id)
        {
            FromStoreId = s.FromStoreId,
            ToStoreId = s.ToStoreId,
            Status = s.Status,
            Version = s.Version,
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
            Step = s.Step,
            StepBy = s.StepBy,
            Refusal = s.Refusal,
        };
        ledger._lines.AddRange(s.Lines);
        ledger._done.UnionWith(s.Done);
        return ledger;
    }

    /// <summary>
    /// Units of <paramref name="sku"/> on their way to the destination: dispatched (its TRANSFER_OUT
    /// is done) and not yet added there (its TRANSFER_IN is not).
    /// </summary>
    public static int InTransit(TransferState s, string sku) =>
        s.Lines.Where(l => l.Sku == sku).Sum(l => (s.Status, s.Step) switch
        {
            (TransferStatus.IN_TRANSIT, TransferStep.Dispatching) => s.Done.Contains(sku) ? l.Quantity : 0,
            (TransferStatus.IN_TRANSIT, _) => l.Quantity,
            (TransferStatus.RECEIVED, TransferStep.Receiving) => s.Done.Contains(sku) ? 0 : l.Quantity,
            _ => 0,
        });
}

/// <summary>A transfer as stored (<c>omni_transfer.state</c>, migration 0011).</summary>
public sealed record TransferState(
    string FromStoreId,
    string ToStoreId,
    TransferStatus Status,
    IReadOnlyList<TransferLine> Lines,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    TransferStep Step,
    MovementContext? StepBy,
    IReadOnlyList<string> Done,
    UserError? Refusal);
