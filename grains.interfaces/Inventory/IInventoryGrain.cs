namespace Omni.Inventory;

/// <summary>
/// The single writer of one SKU's stock at one location (key <c>{storeId}/{sku}</c>).
/// Every change carries a client-chosen id and is durable in PostgreSQL before the call
/// returns; a retry with an id already applied returns the first outcome and changes nothing.
/// A refusal changes nothing and is not remembered, so the same id may succeed later.
/// </summary>
[Alias("Omni.Inventory.IInventoryGrain")]
public interface IInventoryGrain : IGrainWithStringKey
{
    [Alias("GetStock"), ReadOnly]
    Task<StockLevel> GetStock();

    /// <summary>The hold with this id if it is still active, else null.</summary>
    [Alias("GetReservation"), ReadOnly]
    Task<Reservation?> GetReservation(string reservationId);

    [Alias("Receive")]
    Task<StockResult> Receive(string movementId, int quantity, MovementContext? context = null);

    /// <summary>Sets on-hand after a stock take. Holds are kept even when the count falls below them.</summary>
    [Alias("SetCount")]
    Task<StockResult> SetCount(string movementId, int onHand, MovementContext? context = null);

    [Alias("SetSafetyStock")]
    Task<StockResult> SetSafetyStock(string movementId, int safetyStock, MovementContext? context = null);

    [Alias("Reserve")]
    Task<StockResult> Reserve(string reservationId, int quantity, TimeSpan holdFor, string? owner, MovementContext? context = null);

    /// <summary>Grows or shrinks an active hold to <paramref name="quantity"/> and renews it for <paramref name="holdFor"/>.</summary>
    [Alias("AdjustReservation")]
    Task<StockResult> AdjustReservation(string operationId, string reservationId, int quantity, TimeSpan holdFor);

    [Alias("Release")]
    Task<StockResult> Release(string reservationId, MovementContext? context = null);

    /// <summary>
    /// Turns a hold into a sale: on-hand goes down by its quantity. <paramref name="owner"/>, when
    /// given, must be the hold's owner; <paramref name="by"/> names the sale. A retry by the same
    /// sale returns the first outcome; a hold already committed for another sale is CONFLICT.
    /// </summary>
    [Alias("Commit")]
    Task<StockResult> Commit(string reservationId, string? owner = null, string? by = null, MovementContext? context = null);

    /// <summary>A walk-in sale without a prior hold.</summary>
    [Alias("RecordSale")]
    Task<StockResult> RecordSale(string saleId, int quantity, MovementContext? context = null);

    [Alias("RecordReturn")]
    Task<StockResult> RecordReturn(string returnId, int quantity, MovementContext? context = null);

    /// <summary>
    /// Holds units for transfer <paramref name="transferId"/> at this (origin) location: a hold
    /// owned by <c>transfer:{id}</c> that never lapses. A retry returns the first outcome.
    /// </summary>
    [Alias("HoldForTransfer")]
    Task<StockResult> HoldForTransfer(string transferId, int quantity, MovementContext context);

    /// <summary>Takes a transfer's hold off on-hand (<c>TRANSFER_OUT</c>); idempotent per transfer.</summary>
    [Alias("TransferOut")]
    Task<StockResult> TransferOut(string transferId, MovementContext context);

    /// <summary>Gives a transfer's hold back (cancelled before dispatch); a hold already gone is a success.</summary>
    [Alias("ReleaseTransferHold")]
    Task<StockResult> ReleaseTransferHold(string transferId, MovementContext context);

    /// <summary>Adds what arrived of a transfer to on-hand (<c>TRANSFER_IN</c>); idempotent per transfer.</summary>
    [Alias("TransferIn")]
    Task<StockResult> TransferIn(string transferId, int quantity, MovementContext context);

    /// <summary>Pushes every durable movement to <paramref name="observer"/>, in version order; call again within a minute to stay subscribed.</summary>
    [Alias("SubscribeMovements")]
    Task SubscribeMovements(IStockMovementObserver observer);

    [Alias("UnsubscribeMovements")]
    Task UnsubscribeMovements(IStockMovementObserver observer);

    /// <summary>Returns every lapsed hold to available now (timers and reminders call this too).</summary>
    [Alias("ExpireDue")]
    Task<StockLevel> ExpireDue();

    /// <summary>Pushes every durable change to <paramref name="observer"/>; call again within a minute to stay subscribed.</summary>
    [Alias("Subscribe")]
    Task Subscribe(IStockObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IStockObserver observer);
}

/// <summary>Receives stock changes; implemented by API nodes.</summary>
[Alias("Omni.Inventory.IStockObserver")]
public interface IStockObserver : IGrainObserver
{
    [Alias("StockChanged"), OneWay]
    Task StockChanged(StockLevel stock);
}

/// <summary>Receives the movements of one SKU at one location as they become durable; implemented by API nodes.</summary>
[Alias("Omni.Inventory.IStockMovementObserver")]
public interface IStockMovementObserver : IGrainObserver
{
    [Alias("StockMoved"), OneWay]
    Task StockMoved(IReadOnlyList<StockMovement> movements);
}

/// <summary>The kept movement ledger, read from PostgreSQL (any silo, no inventory grain activated).</summary>
[Alias("Omni.Inventory.IStockHistoryGrain")]
public interface IStockHistoryGrain : IGrainWithIntegerKey
{
    /// <summary>At most <paramref name="first"/> movements after <paramref name="afterVersion"/>, oldest first.</summary>
    [Alias("Movements"), ReadOnly]
    Task<IReadOnlyList<StockMovement>> Movements(string storeId, string sku, long afterVersion, int first);

    /// <summary>The newest movement, or null if none was ever written.</summary>
    [Alias("Last"), ReadOnly]
    Task<StockMovement?> Last(string storeId, string sku);
}
