namespace Omni.Inventory;

/// <summary>The live stock of one SKU at one location, as of <see cref="Version"/>.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Inventory.StockLevel")]
public sealed record StockLevel(
    [property: Id(0)] string Sku,
    [property: Id(1)] string StoreId,
    [property: Id(2)] int OnHand,
    [property: Id(3)] int Reserved,
    [property: Id(4)] int SafetyStock,
    [property: Id(5)] long Version,
    [property: Id(6)] DateTimeOffset UpdatedAt)
{
    /// <summary>What may still be promised: never below zero, even when a count fell under what is held.</summary>
    public int Available => Math.Max(0, OnHand - Reserved - SafetyStock);
}

/// <summary>A hold on units at one location for one owner (a cart, a till) until it expires.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Inventory.Reservation")]
public sealed record Reservation(
    [property: Id(0)] string Id,
    [property: Id(1)] string Sku,
    [property: Id(2)] string StoreId,
    [property: Id(3)] int Quantity,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] string? Owner);

/// <summary>
/// The outcome of an inventory operation: the stock after it, the reservation it concerns
/// (if any), or why it was refused. A retry with the same id returns the first success again.
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Inventory.StockResult")]
public sealed record StockResult(
    [property: Id(0)] StockLevel Stock,
    [property: Id(1)] Reservation? Reservation = null,
    [property: Id(2)] UserError? Error = null)
{
    public bool Succeeded => Error is null;
}
