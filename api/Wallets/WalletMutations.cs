using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Common;
using Omni.Wallets;

namespace Omni.Api.Wallets;

/// <summary>
/// Wallet changes. The client's id is passed on to the wallet grain under a prefix naming who
/// chose it (<c>app:</c> for the customer's top-ups, <c>pos:{storeId}:</c> for a till), so one
/// caller's ids can never collide with another's; a retry with the same id answers as the first.
/// </summary>
public static class WalletMutations
{
    /// <summary>100 points pay for 1 unit of currency.</summary>
    public const int PointsPerUnit = 100;

    public static string TopUpId(string key) => $"app:{key}";

    public static string TillId(string storeId, string id) => $"pos:{storeId}:{id}";

    public static void AddWalletMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<WalletPayloadType>>("topUpWallet")
            .Description("The signed-in customer adds stored value (payment is outside Omni); idempotencyKey makes it idempotent.")
            .Argument<NonNullGraphType<FloatGraphType>>("amount")
            .Argument<NonNullGraphType<IdGraphType>>("idempotencyKey")
            .ResolveAsync(async c =>
            {
                var customerId = c.Caller().EnsureCustomer();
                if (Amount(c) is not { } amount)
                {
                    return BadAmount();
                }
                return WalletPayload.From(await c.Grains().Ref<IWalletGrain>(customerId)
                    .TopUp(TopUpId(c.GetArgument<string>("idempotencyKey")), amount));
            });

        mutation.Field<NonNullGraphType<WalletPayloadType>>("chargeWallet")
            .Description("STAFF at a till (of that store), or OPS: the customer pays with stored value; chargeId makes it idempotent.")
            .Argument<NonNullGraphType<IdGraphType>>("customerId")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<NonNullGraphType<FloatGraphType>>("amount")
            .Argument<NonNullGraphType<IdGraphType>>("chargeId")
            .ResolveAsync(async c =>
            {
                var storeId = c.GetArgument<string>("storeId");
                c.Caller().EnsureStaffOf(storeId);
                if (Amount(c) is not { } amount)
                {
                    return BadAmount();
                }
                return WalletPayload.From(await c.Grains().Ref<IWalletGrain>(c.GetArgument<string>("customerId"))
                    .Charge(TillId(storeId, c.GetArgument<string>("chargeId")), amount, new WalletSource(StoreId: storeId, Channel: Channel.POS)));
            });

        mutation.Field<NonNullGraphType<WalletPayloadType>>("redeemPoints")
            .Description("Points pay for part of a purchase, 100 points = 1 unit of currency: the customer at checkout (cartId: set aside, spent by the order), or STAFF at a till (customerId + storeId) or OPS; redemptionId makes it idempotent.")
            .Argument<NonNullGraphType<IntGraphType>>("points")
            .Argument<NonNullGraphType<IdGraphType>>("redemptionId")
            .Argument<IdGraphType>("cartId")
            .Argument<IdGraphType>("customerId")
            .Argument<IdGraphType>("storeId")
            .ResolveAsync(async c =>
            {
                var points = c.GetArgument<int>("points");
                var redemptionId = c.GetArgument<string>("redemptionId");
                if (c.GetArgument<string?>("cartId") is not null)
                {
                    return await AtCheckout(c, points, redemptionId);
                }
                if (c.GetArgument<string?>("customerId") is not { } customerId || c.GetArgument<string?>("storeId") is not { } storeId)
                {
                    return WalletPayload.Refused(UserError.InvalidArgument("customerId", "name the cart, or the customer and the store"));
                }
                c.Caller().EnsureStaffOf(storeId);
                return WalletPayload.From(await c.Grains().Ref<IWalletGrain>(customerId)
                    .Redeem(TillId(storeId, redemptionId), points, new WalletSource(StoreId: storeId, Channel: Channel.POS)));
            });
    }

    /// <summary>
    /// The signed-in customer sets points aside for their cart's checkout: the order spends them
    /// when it is placed (100 points = 1 unit off), a failed checkout gives them back, and they go
    /// back by themselves after an hour without a checkout.
    /// </summary>
    private static async Task<WalletPayload> AtCheckout(IResolveFieldContext c, int points, string redemptionId)
    {
        var customerId = c.Caller().EnsureCustomer();
        if (await Carts.CartQueries.Find(c, c.GuidArgument("cartId")) is not { } cart)
        {
            return WalletPayload.Refused(UserError.NotFound("cartId", $"no cart '{c.GetArgument<string>("cartId")}'"));
        }
        if (cart.CustomerId != customerId)
        {
            return WalletPayload.Refused(UserError.InvalidArgument("cartId", "points pay only for the signed-in customer's own cart"));
        }
        if (cart.CheckedOut)
        {
            return WalletPayload.Refused(new UserError(ErrorCode.ALREADY_CHECKED_OUT, "the cart is checked out", "cartId"));
        }
        if (points > cart.Subtotal * PointsPerUnit)
        {
            return WalletPayload.Refused(UserError.InvalidArgument("points", "points may pay for at most the cart's subtotal"));
        }
        return WalletPayload.From(await c.Grains().Ref<IWalletGrain>(customerId).Hold(TopUpId(redemptionId), points, cart.Id));
    }

    private static decimal? Amount(IResolveFieldContext c) => Money.FromWire(c.GetArgument<double>("amount"));

    private static WalletPayload BadAmount() => WalletPayload.Refused(UserError.InvalidArgument("amount", "the amount is not a number the wallet can hold"));
}
