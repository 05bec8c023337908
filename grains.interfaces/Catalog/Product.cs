namespace Omni.Catalog;

[GenerateSerializer, Immutable, Alias("Omni.Catalog.Product")]
public sealed record Product(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] decimal UnitPrice,
    [property: Id(3)] string Currency);

/// <summary>One product (key: SKU).</summary>
[Alias("Omni.Catalog.IProductGrain")]
public interface IProductGrain : IGrainWithStringKey
{
    [Alias("Get"), ReadOnly]
    Task<Product?> Get();

    [Alias("Define")]
    Task<UserError?> Define(string name, decimal unitPrice, string currency);
}

/// <summary>The catalog's SKU index in SKU order (singleton key <see cref="Key"/>), for paging.</summary>
[Alias("Omni.Catalog.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    const string Key = "catalog";

    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<string>> List(int first, string? after);

    [Alias("Count"), ReadOnly]
    Task<int> Count();

    /// <summary>Those of <paramref name="skus"/> that are in the catalog (one call answers a whole request's SKUs).</summary>
    [Alias("Known"), ReadOnly]
    Task<IReadOnlyList<string>> Known(IReadOnlyList<string> skus);

    [Alias("Add")]
    Task Add(IReadOnlyList<string> skus);
}
