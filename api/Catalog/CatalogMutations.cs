using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Catalog;
using Omni.Common;

namespace Omni.Api.Catalog;

public static class CatalogMutations
{
    public static void AddCatalogMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<ProductPayloadType>>("defineProduct")
            .Description("Ops: adds a product or replaces its name and price.")
            .Argument<NonNullGraphType<ProductInputType>>("input")
            .ResolveAsync(async c =>
            {
                c.Caller().EnsureOps();
                var input = c.GetArgument<ProductInput>("input");
                if (string.IsNullOrEmpty(input.Sku))
                {
                    return new ProductPayload(null, [UserError.InvalidArgument("sku", "a SKU is 1 to 64 letters, digits, '-', '_' or '.'")]);
                }
                if (input.UnitPrice is < 0 or > 1e12)
                {
                    // The grain has the exact bound; this only keeps the decimal conversion from overflowing.
                    return new ProductPayload(null, [UserError.InvalidArgument("unitPrice", "unitPrice is between 0 and 10,000,000")]);
                }
                var product = c.Grains().Ref<IProductGrain>(input.Sku);
                if (await product.Define(input.Name, (decimal)input.UnitPrice, input.Currency) is { } refused)
                {
                    return new ProductPayload(null, [refused]);
                }
                return new ProductPayload(await product.Get(), []);
            });
    }
}
