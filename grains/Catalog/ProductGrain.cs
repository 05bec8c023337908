using Omni.Common;

namespace Omni.Catalog;

public sealed class ProductGrain(
    [PersistentState("product")] IPersistentState<ProductState> state) : Grain, IProductGrain
{
    public Task<Product?> Get() => Task.FromResult(state.State.Product);

    public async Task<UserError?> Define(string name, decimal unitPrice, string currency)
    {
        var sku = this.GetPrimaryKeyString();
        UserError? invalid = (name, unitPrice, currency) switch
        {
            _ when !CatalogRules.IsValidSku(sku) => UserError.InvalidArgument("sku", CatalogRules.SkuRule),
            _ when string.IsNullOrWhiteSpace(name) || name.Length > 200 => UserError.InvalidArgument("name", "a product name is 1 to 200 characters"),
            _ when unitPrice < 0 || unitPrice > 10_000_000 => UserError.InvalidArgument("unitPrice", "unitPrice is between 0 and 10,000,000"),
            _ when currency is not { Length: 3 } || !currency.All(char.IsAsciiLetterUpper) => UserError.InvalidArgument("currency", "currency is an ISO 4217 code such as EUR"),
            _ => null,
        };
        if (invalid is not null)
        {
            return invalid;
        }
        var isNew = state.State.Product is null;
        state.State.Product = new Product(sku, name.Trim(), unitPrice, currency);
        await state.WriteStateAsync();
        if (isNew)
        {
            await GrainFactory.Ref<ICatalogGrain>(ICatalogGrain.Key).Add([sku]);
        }
        return null;
    }
}

[GenerateSerializer, Alias("Omni.Catalog.ProductState")]
public sealed class ProductState
{
    [Id(0)]
    public Product? Product { get; set; }
}

public static class CatalogRules
{
    public const string SkuRule = "a SKU is 1 to 64 letters, digits, '-', '_' or '.'";

    public static bool IsValidSku(string sku) =>
        sku is { Length: > 0 and <= 64 } && sku.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
