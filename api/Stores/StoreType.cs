using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Stores;

namespace Omni.Api.Stores;

public sealed class LocationKindType : EnumerationGraphType<LocationKind>
{
    public LocationKindType() => Name = "LocationKind";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class StoreType : ObjectGraphType<Store>
{
    public StoreType()
    {
        Name = "Store";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(c => c.Source.Name);
        Field<NonNullGraphType<LocationKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<FloatGraphType>>("latitude").Resolve(c => c.Source.Latitude);
        Field<NonNullGraphType<FloatGraphType>>("longitude").Resolve(c => c.Source.Longitude);
        Field<NonNullGraphType<BooleanGraphType>>("shipsOnline").Resolve(c => c.Source.ShipsOnline);
        Field<NonNullGraphType<BooleanGraphType>>("pickupEnabled").Resolve(c => c.Source.PickupEnabled);
    }
}

/// <summary>The outcome of <c>defineStore</c> (ops).</summary>
public sealed record StorePayload(Store? Store, IReadOnlyList<UserError> Errors);

public sealed class StorePayloadType : ObjectGraphType<StorePayload>
{
    public StorePayloadType()
    {
        Name = "StorePayload";
        Field<StoreType>("store").Resolve(c => c.Source.Store);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}

public sealed class StoreInputType : InputObjectGraphType<Store>
{
    public StoreInputType()
    {
        Name = "StoreInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<LocationKindType>>("kind");
        Field<NonNullGraphType<FloatGraphType>>("latitude");
        Field<NonNullGraphType<FloatGraphType>>("longitude");
        Field<NonNullGraphType<BooleanGraphType>>("shipsOnline");
        Field<NonNullGraphType<BooleanGraphType>>("pickupEnabled");
        Field<NonNullGraphType<IntGraphType>>("priority").DefaultValue(100)
            .Description("Lower goes first when the API picks a location to ship from.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new Store(
        (string)value["id"]!, (string)value["name"]!, (LocationKind)value["kind"]!,
        Convert.ToDouble(value["latitude"], System.Globalization.CultureInfo.InvariantCulture),
        Convert.ToDouble(value["longitude"], System.Globalization.CultureInfo.InvariantCulture),
        (bool)value["shipsOnline"]!, (bool)value["pickupEnabled"]!, (int)value["priority"]!);
}
