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
    Task<StockResult> Receive(string movementId, int quantity);

    /// <summary>Sets on-hand after a stock take. Holds are kept even when the count falls below them.</summary>
    [Alias("SetCount")]
    Task<StockResult> SetCount(string movementId, int onHand);

    [Alias("SetSafetyStock")]
    Task<StockResult> SetSafetyStock(string movementId, int safetyStock);

    [Alias("Reserve")]
    Task<StockResult> Reserve(string reservationId, int quantity, TimeSpan holdFor, string? owner);

    /// <summary>Grows or shrinks an active hold to <paramref name="quantity"/> and renews it for <paramref name="holdFor"/>.</summary>
    [Alias("AdjustReservation")]
    Task<StockResult> AdjustReservation(string operationId, string reservationId, int quantity, TimeSpan holdFor);

    [Alias("Release")]
    Task<StockResult> Release(string reservationId);

    /// <summary>
    /// Turns a hold into a sale: on-hand goes down by its quantity. <paramref name="owner"/>, when
    /// given, must be the hold's owner; <paramref name="by"/> names the sale. A retry by the same
    /// sale returns the first outcome; a hold already committed for another sale is CONFLICT.
    /// </summary>
    [Alias("Commit")]
    Task<StockResult> Commit(string reservationId, string? owner = null, string? by = null);

    /// <summary>A walk-in sale without a prior hold.</summary>
    [Alias("RecordSale")]
    Task<StockResult> RecordSale(string saleId, int quantity);

    [Alias("RecordReturn")]
    Task<StockResult> RecordReturn(string returnId, int quantity);

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
