using GraphQL.DataLoader;
using Omni.Api.Schema;
using Omni.Catalog;
using Omni.Common;

namespace Omni.Api.Catalog;

/// <summary>Products by SKU for one request (or one subscription), fetched a level at a time in parallel.</summary>
public sealed class ProductLoader
{
    private readonly BatchLoader<string, Product> _loader;

    public ProductLoader(IClusterClient grains, CatalogMembership known) =>
        _loader = new BatchLoader<string, Product>(async (skus, _) =>
        {
            // Only products that exist are asked for: a made-up SKU activates no product grain.
            var products = await Task.WhenAll((await known.KnownSkus(skus)).Select(sku => grains.Ref<IProductGrain>(sku).Get()));
            return products.OfType<Product>().ToDictionary(p => p.Sku, StringComparer.Ordinal);
        });

    public IDataLoaderResult<Product?> Load(string sku) => _loader.Load(sku);
}
