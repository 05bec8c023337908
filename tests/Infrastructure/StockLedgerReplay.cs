using Omni.Inventory;

namespace Omni.Tests.Infrastructure;

/// <summary>
/// DESIGN rule 8, read straight from PostgreSQL (no grain woken): a location's kept movements are
/// gapless from version 1, each one's after-values are the previous ones plus its deltas, and the
/// last ones are the level row's.
/// </summary>
public static class StockLedgerReplay
{
    public static async Task<IReadOnlyList<StockMovement>> Movements(TestDatabase database, string storeId, string sku)
    {
        var store = new InventoryStore(database.DataSource);
        var all = new List<StockMovement>();
        while (true)
        {
            var page = await store.Movements(storeId, sku, all.Count == 0 ? 0 : all[^1].Version, StockHistory.MaxPage);
            all.AddRange(page);
            if (page.Count < StockHistory.MaxPage)
            {
                return all;
            }
        }
    }

    /// <summary>Asserts the movements replay to <paramref name="level"/> (and to the level row) and returns them.</summary>
    public static async Task<IReadOnlyList<StockMovement>> AssertReplaysTo(TestDatabase database, StockLevel level, string context = "")
    {
        var movements = await Movements(database, level.StoreId, level.Sku);
        var (onHand, reserved) = (0, 0);
        for (var i = 0; i < movements.Count; i++)
        {
            var m = movements[i];
            Assert.True(m.Version == i + 1, $"{context}: version {i + 1} is missing (found {m.Version}) at {level.StoreId}/{level.Sku}");
            onHand += m.OnHandDelta;
            reserved += m.ReservedDelta;
            Assert.True((onHand, reserved) == (m.OnHandAfter, m.ReservedAfter),
                $"{context}: movement {m.Version} ({m.Kind}) says after = ({m.OnHandAfter}, {m.ReservedAfter}), its deltas add up to ({onHand}, {reserved})");
        }
        Assert.True(movements.Count == level.Version, $"{context}: {movements.Count} movements for a level at version {level.Version}");
        if (movements.Count > 0)
        {
            Assert.True((onHand, reserved) == (level.OnHand, level.Reserved),
                $"{context}: the movements replay to ({onHand}, {reserved}), the level is ({level.OnHand}, {level.Reserved})");
        }
        var row = await database.Scalar<long>("SELECT coalesce((SELECT version FROM omni_inventory_level WHERE sku = $1 AND store_id = $2), 0)", level.Sku, level.StoreId);
        Assert.True(row == level.Version, $"{context}: the level row is at version {row}, the grain at {level.Version}");
        return movements;
    }
}
