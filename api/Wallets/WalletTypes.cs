using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Api.Sessions;
using Omni.Customers;
using Omni.Wallets;

namespace Omni.Api.Wallets;

public sealed class WalletType : ObjectGraphType<WalletView>
{
    public WalletType()
    {
        Name = "Wallet";
        Description = "Points and stored value. Never negative; every change has a client id and a new version.";
        Field<NonNullGraphType<IdGraphType>>("customerId").Resolve(c => c.Source.CustomerId);
        Field<NonNullGraphType<FloatGraphType>>("balance").Resolve(c => Money.ToWire(c.Source.Balance));
        Field<NonNullGraphType<StringGraphType>>("currency").Resolve(c => c.Source.Currency);
        Field<NonNullGraphType<IntGraphType>>("points").Resolve(c => c.Source.Points);
        Field<NonNullGraphType<IntGraphType>>("version").Resolve(c => checked((int)c.Source.Version));
        Field<NonNullGraphType<UtcDateTimeGraphType>>("updatedAt").Resolve(c => c.Source.UpdatedAt);
    }
}

/// <summary>The outcome of a wallet change: the wallet after it (or as it is, for a refusal), and why not.</summary>
public sealed record WalletPayload(WalletView? Wallet, IReadOnlyList<UserError> Errors)
{
    public static WalletPayload From(WalletResult result) => new(result.Wallet, result.Error is { } e ? [e] : []);

    public static WalletPayload Refused(UserError error) => new(null, [error]);
}

public sealed class WalletPayloadType : ObjectGraphType<WalletPayload>
{
    public WalletPayloadType()
    {
        Name = "WalletPayload";
        Field<WalletType>("wallet").Resolve(c => c.Source.Wallet);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}

public sealed class TimelineKindType : EnumerationGraphType<TimelineKind>
{
    public TimelineKindType() => Name = "TimelineKind";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class TimelineEntryType : ObjectGraphType<TimelineEntry>
{
    public TimelineEntryType()
    {
        Name = "TimelineEntry";
        Description = "One thing the customer did, or that happened to them, on any channel.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("Unique and stable: the same source event never appears twice.").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("at").Resolve(c => c.Source.At);
        Field<NonNullGraphType<TimelineKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<ChannelType>("channel").Resolve(c => c.Source.Channel);
        Field<IdGraphType>("storeId").Resolve(c => c.Source.StoreId);
        Field<IdGraphType>("orderId").Resolve(c => c.Source.OrderId?.ToString("D"));
        Field<FloatGraphType>("amount").Resolve(c => c.Source.Amount is { } a ? Money.ToWire(a) : null);
        Field<IntGraphType>("points").Resolve(c => c.Source.Points);
        Field<NonNullGraphType<StringGraphType>>("summary").Resolve(c => c.Source.Summary);
    }
}

/// <summary>Money on the wire: two places; decimal in the domain.</summary>
public static class Money
{
    public static double ToWire(decimal amount) => (double)decimal.Round(amount, 2, MidpointRounding.ToEven);

    /// <summary>A wire amount as the domain's decimal; null when it is not a finite amount the domain could hold (the grain judges the range).</summary>
    public static decimal? FromWire(double amount) =>
        double.IsFinite(amount) && Math.Abs(amount) < 1e12 ? (decimal)amount : null;
}
