using GraphQL.Types;
using Omni.Catalog;

namespace Omni.Api.Catalog;

public sealed class ProductType : ObjectGraphType<Product>
{
    public ProductType()
    {
        Name = "Product";
        Field<NonNullGraphType<IdGraphType>>("sku").Resolve(c => c.Source.Sku);
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(c => c.Source.Name);
        Field<NonNullGraphType<FloatGraphType>>("unitPrice").Resolve(c => (double)c.Source.UnitPrice);
        Field<NonNullGraphType<StringGraphType>>("currency").Resolve(c => c.Source.Currency);
    }
}

/// <summary>The outcome of <c>defineProduct</c> (ops).</summary>
public sealed record ProductPayload(Product? Product, IReadOnlyList<UserError> Errors);

public sealed class ProductPayloadType : ObjectGraphType<ProductPayload>
{
    public ProductPayloadType()
    {
        Name = "ProductPayload";
        Field<ProductType>("product").Resolve(c => c.Source.Product);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<Schema.UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}

public sealed record ProductInput(string Sku, string Name, double UnitPrice, string Currency);

public sealed class ProductInputType : InputObjectGraphType<ProductInput>
{
    public ProductInputType()
    {
        Name = "ProductInput";
        Field<NonNullGraphType<IdGraphType>>("sku");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<FloatGraphType>>("unitPrice");
        Field<NonNullGraphType<StringGraphType>>("currency").DefaultValue("EUR");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new ProductInput(
        (string)value["sku"]!, (string)value["name"]!, Convert.ToDouble(value["unitPrice"], System.Globalization.CultureInfo.InvariantCulture), (string)value["currency"]!);
}
