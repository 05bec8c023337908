using GraphQL;
using Omni.Api.Inventory;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Catalog;
using Omni.Common;
using Omni.Wallets;

namespace Omni.Api.Wallets;

/// <summary>
/// A till sale or return naming a customer moves their points once the stock movement is
/// recorded: 1 point per unit of currency of its value, rounded down. The wallet change's id is
/// the movement's (<c>sale:</c> or <c>return:</c>, the store and the till's id), so a till that
/// retries the call after a failure gets the sale's first outcome and the points once; the
/// wallet's durable event is the till sale's entry on the customer's timeline.
/// </summary>
public static class TillPoints
{
    /// <summary>The most points one movement earns (the wallet's bound on one change).</summary>
    private const int MaxPoints = 10_000_000;

    public static async Task<StockPayload> AfterSale(IResolveFieldContext c, string idArgument, StockPayload movement)
    {
        if (c.GetArgument<string?>("customerId") is not { } customerId || movement.Errors.Count > 0)
        {
            return movement;
        }
        var (storeId, sku) = (c.GetArgument<string>("storeId"), c.GetArgument<string>("sku"));
        var grains = c.Grains();
        if (await grains.Ref<IProductGrain>(sku).Get() is not { } product)
        {
            return movement;
        }
        var value = product.UnitPrice * c.GetArgument<int>("quantity");
        var points = (int)Math.Min(decimal.Floor(value), MaxPoints);
        if (points <= 0)
        {
            return movement;
        }
        var wallet = grains.Ref<IWalletGrain>(customerId);
        var source = new WalletSource(StoreId: storeId, Channel: Channel.POS, Amount: value);
        var id = c.GetArgument<string>(idArgument);
        var result = idArgument == "saleId"
            ? await wallet.Earn($"sale:{storeId}:{id}", points, source)
            : await wallet.Reverse($"return:{storeId}:{id}", points, source);
        return result.Error is { } refused ? movement with { Errors = [refused] } : movement;
    }
}
