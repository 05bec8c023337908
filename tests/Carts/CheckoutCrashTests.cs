using Omni.Carts;
using Omni.Catalog;
using Omni.Inventory;
using Omni.Orders;
using Omni.Sessions;

namespace Omni.Tests.Carts;

public sealed class CheckoutCrashTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_silo_killed_during_checkout_leaves_the_order_complete_or_cancelled_never_in_between()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var session = await cluster.Grains.GetGrain<ISessionGrain>("crash-session").Start(Channel.WEB, "crash-customer");
        var cart = cluster.Grains.GetGrain<ICartGrain>(session.CartId);
        var skus = Enumerable.Range(0, 40).Select(i => $"CO-{i:00}").ToList();
        foreach (var sku in skus)
        {
            await cluster.Grains.GetGrain<IProductGrain>(sku).Define(sku, 5m, "EUR");
            await cluster.Grains.Inventory("w1", sku).Receive("opening", 10);
            Assert.True((await cart.AddLine(sku, 2, Fulfillment.Ship, new ChangeContext(Channel.WEB))).Succeeded);
        }

        var checkout = cart.Checkout("crash-key", Channel.WEB);
        // The order id is written into the cart before the order is placed: find it, then kill the order's silo.
        var orderId = await Eventually.Get(
            () => db.Scalar<string>("SELECT coalesce(max(convert_from(payloadbinary, 'UTF8')::jsonb -> 'Checkouts' ->> 'crash-key'), '') FROM orleansstorage WHERE graintypestring LIKE '%cart%'"),
            id => id.Length > 0, Deadline, "checkout has chosen its order id");
        var order = cluster.Grains.GetGrain<IOrderGrain>(Guid.Parse(orderId));
        await Eventually.True(() => Task.FromResult(cluster.Cluster.TryGetGrainContext(order.GetGrainId(), out _)), Deadline, "the order is active");
        await cluster.Cluster.KillSiloAsync(cluster.HostOf(order));
        try
        {
            await checkout;
        }
        catch (Exception)
        {
            // The caller may never hear back; the order finishes or undoes itself regardless.
        }

        var final = await Eventually.Get(() => order.Get(), o => o is { Status: OrderStatus.PLACED or OrderStatus.CANCELLED } && Settled(o, db).Result,
            Deadline, "the order settles on the surviving silo");
        var levels = await Task.WhenAll(skus.Select(sku => cluster.Grains.Inventory("w1", sku).GetStock()));
        if (final!.Status == OrderStatus.PLACED)
        {
            Assert.All(levels, l => Assert.Equal((8, 0), (l.OnHand, l.Reserved)));
        }
        else
        {
            Assert.All(levels, l => Assert.Equal((10, 0), (l.OnHand, l.Reserved)));
        }
        var retried = await cart.Checkout("crash-key", Channel.WEB);
        Assert.Equal(final.Status, retried.Order?.Status);
    }

    /// <summary>The saga is over when its reminder is gone.</summary>
    private static async Task<bool> Settled(OrderView order, TestDatabase db) =>
        await db.Scalar<long>("SELECT count(*) FROM orleansreminderstable WHERE remindername = 'saga' AND grainid LIKE $1", $"%{order.Id:N}%") == 0;
}
