using GraphQL;
using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Transfers;

namespace Omni.Api.Transfers;

public sealed class TransferStatusType : EnumerationGraphType<TransferStatus>
{
    public TransferStatusType() => Name = "TransferStatus";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class TransferLineType : ObjectGraphType<TransferLine>
{
    public TransferLineType()
    {
        Name = "TransferLine";
        Field<NonNullGraphType<IdGraphType>>("sku").Resolve(c => c.Source.Sku);
        Field<NonNullGraphType<IntGraphType>>("quantity").Resolve(c => c.Source.Quantity);
        Field<NonNullGraphType<IntGraphType>>("received")
            .Description("What arrived; less than quantity is a shortfall, recorded as such.")
            .Resolve(c => c.Source.Received);
    }
}

public sealed class TransferType : ObjectGraphType<TransferView>
{
    public TransferType()
    {
        Name = "Transfer";
        Description = "Units moved from one location to another; origin + in transit + destination is constant at every step, a recorded shortfall aside.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<IdGraphType>>("fromStoreId").Resolve(c => c.Source.FromStoreId);
        Field<NonNullGraphType<IdGraphType>>("toStoreId").Resolve(c => c.Source.ToStoreId);
        Field<NonNullGraphType<TransferStatusType>>("status").Resolve(c => c.Source.Status);
        // At most ITransferGrain.MaxLines, in memory with the transfer: one object's cost, not a list's worth of lookups.
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransferLineType>>>>("lines")
            .WithComplexityImpact(fieldImpact: 1, childImpactMultiplier: 1)
            .Resolve(c => c.Source.Lines);
        Field<NonNullGraphType<IntGraphType>>("version").Resolve(c => checked((int)c.Source.Version));
        Field<NonNullGraphType<UtcDateTimeGraphType>>("createdAt").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("updatedAt").Resolve(c => c.Source.UpdatedAt);
    }
}

public sealed class TransferLineInputType : InputObjectGraphType<TransferLineRequest>
{
    public TransferLineInputType()
    {
        Name = "TransferLineInput";
        Field<NonNullGraphType<IdGraphType>>("sku");
        Field<NonNullGraphType<IntGraphType>>("quantity");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new TransferLineRequest((string)value["sku"]!, (int)value["quantity"]!);
}

/// <summary>The outcome of a transfer command: the transfer (null when there is none), or why not.</summary>
public sealed record TransferPayload(TransferView? Transfer, IReadOnlyList<UserError> Errors)
{
    public static TransferPayload From(TransferResult result) => new(result.Transfer, result.Error is { } e ? [e] : []);

    public static TransferPayload Refused(UserError error) => new(null, [error]);
}

public sealed class TransferPayloadType : ObjectGraphType<TransferPayload>
{
    public TransferPayloadType()
    {
        Name = "TransferPayload";
        Field<TransferType>("transfer").Resolve(c => c.Source.Transfer);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}
