using Omni.Common;

namespace Omni.Inventory;

/// <summary>The key of an inventory grain: one SKU at one location, <c>{storeId}/{sku}</c>.</summary>
public static class InventoryKey
{
    public static string Of(string storeId, string sku) => $"{storeId}/{sku}";

    public static (string StoreId, string Sku) Parse(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw new ArgumentException($"'{key}' is not an inventory key (storeId/sku)", nameof(key));
        }
        return (key[..slash], key[(slash + 1)..]);
    }

    public static IInventoryGrain Inventory(this IGrainFactory grains, string storeId, string sku) =>
        grains.Ref<IInventoryGrain>(Of(storeId, sku));
}
