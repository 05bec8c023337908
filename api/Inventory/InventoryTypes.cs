using GraphQL;
using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Api.Stores;
using Omni.Inventory;

namespace Omni.Api.Inventory;

public sealed class StockLevelType : ObjectGraphType<StockLevel>
{
    public StockLevelType()
    {
        Name = "StockLevel";
        Description = "The live stock of one SKU at one location.";
        Field<NonNullGraphType<IdGraphType>>("sku").Plain(s => s.Sku);
        Field<NonNullGraphType<IdGraphType>>("storeId").Plain(s => s.StoreId);
        Field<NonNullGraphType<IntGraphType>>("onHand").Plain(s => s.OnHand);
        Field<NonNullGraphType<IntGraphType>>("reserved").Plain(s => s.Reserved);
        Field<NonNullGraphType<IntGraphType>>("safetyStock").Plain(s => s.SafetyStock);
        Field<NonNullGraphType<IntGraphType>>("available")
            .Description("onHand - reserved - safetyStock, never below zero")
            .Plain(s => s.Available);
        Field<NonNullGraphType<IntGraphType>>("version").Plain(s => checked((int)s.Version));
        Field<NonNullGraphType<UtcDateTimeGraphType>>("updatedAt").Plain(s => s.UpdatedAt);
        Field<NonNullGraphType<IntGraphType>>("incoming")
            .Description("Units dispatched to this location by transfers, not yet received.")
            .Resolve(c => c.Service<IncomingLoader>().Load(c.Source));
    }
}

public sealed class ReservationType : ObjectGraphType<Reservation>
{
    public ReservationType()
    {
        Name = "Reservation";
        Field<NonNullGraphType<IdGraphType>>("id").Plain(s => s.Id);
        Field<NonNullGraphType<IdGraphType>>("sku").Plain(s => s.Sku);
        Field<NonNullGraphType<IdGraphType>>("storeId").Plain(s => s.StoreId);
        Field<NonNullGraphType<IntGraphType>>("quantity").Plain(s => s.Quantity);
        Field<UtcDateTimeGraphType>("expiresAt").Plain(s => s.ExpiresAt);
        Field<StringGraphType>("owner").Plain(s => s.Owner);
    }
}

public sealed class AvailabilityType : ObjectGraphType<Availability>
{
    public AvailabilityType()
    {
        Name = "Availability";
        Description = "One SKU across the whole network of locations.";
        Field<NonNullGraphType<IdGraphType>>("sku").Plain(s => s.Sku);
        Field<NonNullGraphType<IntGraphType>>("onlineAvailable")
            .Description("What the online channel may promise: the sum of available over locations that ship online.")
            .Plain(s => s.OnlineAvailable);
        Field<NonNullGraphType<IntGraphType>>("totalAvailable").Plain(s => s.TotalAvailable);
        // Already in memory with the availability and bounded by the network's size: it costs what one
        // object does, not a list's worth of lookups. The SKU count of `availabilities` is the real bound.
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StockLevelType>>>>("locations")
            .WithComplexityImpact(fieldImpact: 1, childImpactMultiplier: 1)
            .Plain(s => s.Locations);
    }
}

public sealed class StoreAvailabilityType : ObjectGraphType<StoreAvailability>
{
    public StoreAvailabilityType()
    {
        Name = "StoreAvailability";
        Field<NonNullGraphType<StoreType>>("store").Resolve(c => c.Source.Store);
        Field<NonNullGraphType<IntGraphType>>("available").Resolve(c => c.Source.Available);
        Field<FloatGraphType>("distanceKm").Resolve(c => c.Source.DistanceKm);
    }
}

/// <summary>The outcome of a stock movement: the stock after it (null when the location or SKU does not exist), or why not.</summary>
public sealed record StockPayload(StockLevel? Stock, IReadOnlyList<UserError> Errors)
{
    public static StockPayload From(StockResult result) => new(StockOf(result), ErrorsOf(result));

    public static StockPayload Refused(UserError error) => new(null, [error]);

    internal static StockLevel? StockOf(StockResult result) =>
        result.Error is { Code: ErrorCode.NOT_FOUND, Field: "storeId" or "sku" } ? null : result.Stock;

    internal static IReadOnlyList<UserError> ErrorsOf(StockResult result) => result.Error is { } error ? [error] : [];
}

/// <summary>The outcome of <c>reserveStock</c>: the hold and the stock after it, or why not.</summary>
public sealed record ReservationPayload(Reservation? Reservation, StockLevel? Stock, IReadOnlyList<UserError> Errors)
{
    public static ReservationPayload From(StockResult result) =>
        new(result.Reservation, StockPayload.StockOf(result), StockPayload.ErrorsOf(result));

    public static ReservationPayload Refused(UserError error) => new(null, null, [error]);
}

public sealed class StockPayloadType : ObjectGraphType<StockPayload>
{
    public StockPayloadType()
    {
        Name = "StockPayload";
        Field<StockLevelType>("stock").Plain(s => s.Stock);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Plain(s => s.Errors);
    }
}

public sealed class ReservationPayloadType : ObjectGraphType<ReservationPayload>
{
    public ReservationPayloadType()
    {
        Name = "ReservationPayload";
        Field<ReservationType>("reservation").Plain(s => s.Reservation);
        Field<StockLevelType>("stock").Plain(s => s.Stock);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Plain(s => s.Errors);
    }
}
