using GraphQL.DataLoader;
using Omni.Api.Schema;
using Omni.Catalog;

namespace Omni.Api.Catalog;

/// <summary>Products by SKU for one request (or one subscription), fetched a level at a time in parallel.</summary>
public sealed class ProductLoader
{
    private readonly BatchLoader<string, Product> _loader;

    public ProductLoader(IClusterClient grains) =>
        _loader = new BatchLoader<string, Product>(async (skus, _) =>
        {
            var products = await Task.WhenAll(skus.Select(sku => grains.GetGrain<IProductGrain>(sku).Get()));
            return products.OfType<Product>().ToDictionary(p => p.Sku, StringComparer.Ordinal);
        });

    public IDataLoaderResult<Product?> Load(string sku) => _loader.Load(sku);
}
