using System.Text.Json.Serialization;

namespace Omni.Inventory;

/// <summary>
/// What happened to one SKU at one location. The journal in PostgreSQL is a list of these;
/// replaying them through <see cref="StockLedger.Apply"/> rebuilds the ledger exactly,
/// including the outcome of every id already applied.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(Received), "received")]
[JsonDerivedType(typeof(Counted), "counted")]
[JsonDerivedType(typeof(SafetyStockSet), "safety")]
[JsonDerivedType(typeof(Reserved), "reserved")]
[JsonDerivedType(typeof(Adjusted), "adjusted")]
[JsonDerivedType(typeof(Released), "released")]
[JsonDerivedType(typeof(Committed), "committed")]
[JsonDerivedType(typeof(Sold), "sold")]
[JsonDerivedType(typeof(Returned), "returned")]
[JsonDerivedType(typeof(HoldExpired), "expired")]
[JsonDerivedType(typeof(TransferredIn), "transfer-in")]
public abstract record InventoryEvent(DateTimeOffset At);

public sealed record Received(DateTimeOffset At, string MovementId, int Quantity) : InventoryEvent(At);
public sealed record Counted(DateTimeOffset At, string MovementId, int OnHand) : InventoryEvent(At);
public sealed record SafetyStockSet(DateTimeOffset At, string MovementId, int SafetyStock) : InventoryEvent(At);
public sealed record Reserved(DateTimeOffset At, string ReservationId, int Quantity, DateTimeOffset ExpiresAt, string? Owner) : InventoryEvent(At);
public sealed record Adjusted(DateTimeOffset At, string OperationId, string ReservationId, int Quantity, DateTimeOffset ExpiresAt) : InventoryEvent(At);
public sealed record Released(DateTimeOffset At, string ReservationId) : InventoryEvent(At);
/// <summary><c>By</c> names the sale (an order, a till); null in journals written before it was recorded.</summary>
public sealed record Committed(DateTimeOffset At, string ReservationId, string? By = null) : InventoryEvent(At);
public sealed record Sold(DateTimeOffset At, string SaleId, int Quantity) : InventoryEvent(At);
public sealed record Returned(DateTimeOffset At, string ReturnId, int Quantity) : InventoryEvent(At);
public sealed record HoldExpired(DateTimeOffset At, string ReservationId) : InventoryEvent(At);
public sealed record TransferredIn(DateTimeOffset At, string TransferId, int Quantity) : InventoryEvent(At);
