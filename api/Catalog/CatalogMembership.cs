using System.Collections.Concurrent;
using Omni.Catalog;
using Omni.Common;
using Omni.Stores;

namespace Omni.Api.Catalog;

/// <summary>
/// Which SKUs and locations exist, as this API node knows them (DESIGN rule 11, issue 12 item 1).
/// Public reads name SKUs and stores; a grain per made-up key would let anonymous callers
/// activate grains without bound. So a key is checked here first and an unknown one is answered
/// (null, zeros, NOT_FOUND) without touching its grain.
/// <list type="bullet">
/// <item>Known keys are kept in an exact set per node (products and locations are never deleted;
/// 100,000 SKUs are a few MB), so a hit costs nothing.</item>
/// <item>Keys not in the set are asked about in one call per request to the catalog (or store
/// directory) singleton, which is always active: a miss costs one grain call for the whole
/// request, never an activation per key, and a product defined a moment ago on another node is
/// found at once (a set refreshed on a timer would answer "unknown" until its next refresh).</item>
/// </list>
/// </summary>
public sealed class CatalogMembership(IClusterClient grains)
{
    private readonly ConcurrentDictionary<string, byte> _skus = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _stores = new(StringComparer.Ordinal);

    /// <summary>Those of <paramref name="skus"/> that name a product.</summary>
    public async Task<IReadOnlySet<string>> KnownSkus(IEnumerable<string> skus)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sku in skus)
        {
            if (sku.Length == 0 || sku.Length > Limits.MaxIdLength)
            {
                continue;
            }
            (_skus.ContainsKey(sku) ? known : missing).Add(sku);
        }
        if (missing.Count > 0)
        {
            foreach (var sku in await grains.Ref<ICatalogGrain>(ICatalogGrain.Key).Known([.. missing]))
            {
                _skus.TryAdd(sku, 0);
                known.Add(sku);
            }
        }
        return known;
    }

    /// <summary>True when <paramref name="sku"/> names a product; a SKU already seen costs one lookup and no allocation (every addCartLine asks).</summary>
    public async ValueTask<bool> IsKnownSku(string sku) => _skus.ContainsKey(sku) || (await KnownSkus([sku])).Count == 1;

    /// <summary>True when <paramref name="storeId"/> names a location.</summary>
    public async Task<bool> IsKnownStore(string storeId)
    {
        if (storeId.Length == 0 || storeId.Length > Limits.MaxIdLength)
        {
            return false;
        }
        if (_stores.ContainsKey(storeId))
        {
            return true;
        }
        if (await grains.Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).Get(storeId) is null)
        {
            return false;
        }
        _stores.TryAdd(storeId, 0);
        return true;
    }
}
