namespace Omni.Inventory;

/// <summary>
/// Reads the kept movement ledger (<c>omni_stock_movement</c>, migration 0011) on whichever silo
/// takes the call: history needs no inventory grain in memory, and a hot SKU's grain is not asked.
/// What it returns is durable: rows are written with the batch that acknowledged them.
/// </summary>
[StatelessWorker]
public sealed class StockHistoryGrain(InventoryStore store) : Grain, IStockHistoryGrain
{
    public Task<IReadOnlyList<StockMovement>> Movements(string storeId, string sku, long afterVersion, int first) =>
        store.Movements(storeId, sku, Math.Max(0, afterVersion), Math.Clamp(first, 0, StockHistory.MaxPage));

    public Task<StockMovement?> Last(string storeId, string sku) => store.LastMovement(storeId, sku);
}
