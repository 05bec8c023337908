using GraphQL;
using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Catalog;
using Omni.Common;

namespace Omni.Api.Catalog;

public static class CatalogQueries
{
    /// <summary>The largest page of <c>products</c>.</summary>
    public const int MaxPage = 200;

    public static void AddCatalogQueries(this ObjectGraphType query)
    {
        query.Field<ProductType>("product")
            .Description("The product with this SKU, or null.")
            .Argument<NonNullGraphType<IdGraphType>>("sku")
            .Resolve(c => c.GetArgument<string>("sku") is { Length: > 0 } sku ? c.Service<ProductLoader>().Load(sku) : null);

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProductType>>>>("products")
            .Description($"The catalog in SKU order, after the given SKU; first is 1 to {MaxPage}.")
            .Argument<NonNullGraphType<IntGraphType>>("first", a => a.DefaultValue = 50)
            .Argument<IdGraphType>("after")
            .ResolveAsync(async c =>
            {
                var first = c.GetArgument<int>("first");
                if (first is < 1 or > MaxPage)
                {
                    throw Refusals.InvalidArgument($"first must be between 1 and {MaxPage}, not {first}");
                }
                var grains = c.Grains();
                var skus = await grains.Ref<ICatalogGrain>(ICatalogGrain.Key).List(first, c.GetArgument<string?>("after"));
                var products = await Task.WhenAll(skus.Select(sku => grains.Ref<IProductGrain>(sku).Get()));
                return products.OfType<Product>().ToList();
            });
    }
}
