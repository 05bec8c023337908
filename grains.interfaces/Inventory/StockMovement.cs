using Omni.Carts;

namespace Omni.Inventory;

/// <summary>The contract's <c>MovementKind</c>: what one applied change did to a SKU at a location.</summary>
[GenerateSerializer, Alias("Omni.Inventory.StockMovementKind")]
public enum StockMovementKind
{
    RECEIVED,
    COUNTED,
    SAFETY_STOCK_SET,
    RESERVED,
    HOLD_CHANGED,
    RELEASED,
    EXPIRED,
    COMMITTED,
    SOLD,
    RETURNED,
    TRANSFER_OUT,
    TRANSFER_IN,
}

/// <summary>
/// One applied change to the stock of a SKU at one location, kept for good (DESIGN rule 8). A
/// location's movements in version order rebuild its <see cref="StockLevel"/>: the movement at
/// version v carries the on-hand and reserved the level had at v.
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Inventory.StockMovement")]
public sealed record StockMovement(
    [property: Id(0)] string Sku,
    [property: Id(1)] string StoreId,
    [property: Id(2)] long Version,
    [property: Id(3)] StockMovementKind Kind,
    [property: Id(4)] int OnHandDelta,
    [property: Id(5)] int ReservedDelta,
    [property: Id(6)] int OnHandAfter,
    [property: Id(7)] int ReservedAfter,
    [property: Id(8)] string Reference,
    [property: Id(9)] string Actor,
    [property: Id(10)] Channel? Channel,
    [property: Id(11)] string? Reason,
    [property: Id(12)] DateTimeOffset At,
    [property: Id(13)] string? CustomerId = null);

/// <summary>
/// Who asks for a stock change, through which channel, and why: recorded on its movement, never
/// part of the operation's identity (a retry with another reason is still the same operation).
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Inventory.MovementContext")]
public sealed record MovementContext(
    [property: Id(0)] string Actor,
    [property: Id(1)] Channel? Channel = null,
    [property: Id(2)] string? Reason = null,
    [property: Id(3)] string? CustomerId = null)
{
    /// <summary>The longest reason a movement records.</summary>
    public const int MaxReasonLength = 200;

    /// <summary>Lapses and anything else nobody asked for.</summary>
    public static MovementContext System { get; } = new("system");

    /// <summary>Null when every part is printable and bounded, else the argument at fault.</summary>
    public UserError? Check() =>
        !PrintableText.IsValidId(Actor) ? UserError.InvalidArgument("actor", "actor must be a printable id")
        : Reason is not null && !PrintableText.IsValid(Reason, MaxReasonLength)
            ? UserError.InvalidArgument("reason", $"reason must be at most {MaxReasonLength} printable characters")
        : CustomerId is not null && !PrintableText.IsValidId(CustomerId)
            ? UserError.InvalidArgument("customerId", $"customerId must be 1 to {Limits.MaxIdLength} printable characters")
        : null;
}

public static class StockHistory
{
    /// <summary>The most movements one read of the kept ledger returns.</summary>
    public const int MaxPage = 500;
}
