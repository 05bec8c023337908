using Omni.Carts;
using Omni.Catalog;
using Omni.Inventory;
using Omni.Orders;
using Omni.Sessions;

namespace Omni.Tests.Orders;

/// <summary>
/// A pickup nobody collects: once its <c>collectBy</c> has passed it is cancelled and its units go
/// back to the store, with nobody calling and although every silo was stopped in between (the
/// order's pickup-window reminder lives in PostgreSQL). The domain clock is fake: the test moves it
/// a week on while the cluster is down.
/// </summary>
[Collection(SiloCrashCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class PickupWindowTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, string?> Settings = new() { ["Orders:PickupCheckPeriod"] = "00:00:01" };

    [Fact]
    public async Task A_pickup_not_collected_lapses_after_a_restart_and_its_units_go_back_to_the_store()
    {
        await using var db = await TestDatabase.Create();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var sku = $"PW-{Guid.NewGuid():N}"[..16];
        Guid orderId;
        DateTimeOffset collectBy;
        await using (var first = await OmniTestCluster.Start(db, clock: clock, settings: Settings))
        {
            await InventoryFixture.DefineNetwork(first.Grains);
            Assert.Null(await first.Grains.GetGrain<IProductGrain>(sku).Define("Pickup window " + sku, 3m, "EUR"));
            Assert.True((await first.Grains.Inventory("s1", sku).Receive("opening", 10)).Succeeded);
            Assert.True((await first.Grains.Inventory("s2", sku).Receive("opening", 10)).Succeeded);
            var session = await first.Grains.GetGrain<ISessionGrain>($"pw-{Guid.NewGuid():N}").Start(Channel.WEB, null);
            var cart = first.Grains.GetGrain<ICartGrain>(session.CartId);
            Assert.Empty((await cart.AddLine(sku, 2, new Fulfillment(FulfillmentKind.PICKUP, "s1"), new ChangeContext(Channel.WEB))).Errors);
            Assert.Empty((await cart.AddLine(sku, 1, new Fulfillment(FulfillmentKind.PICKUP, "s2"), new ChangeContext(Channel.WEB))).Errors);
            var checkout = await cart.Checkout("pw-key", Channel.WEB);
            orderId = checkout.Order!.Id;
            var order = first.Grains.GetGrain<IOrderGrain>(orderId);
            var s1 = checkout.Order.PickupAt("s1")!;
            var ready = await order.MarkReadyForPickup(s1.Id);
            collectBy = ready.Order!.PickupAt("s1")!.CollectBy!.Value;

            Assert.Equal(Channel.WEB, checkout.Order.Channel);
            Assert.Empty(ready.Errors);
            Assert.Equal(clock.GetUtcNow() + TimeSpan.FromDays(7), collectBy);
            Assert.Equal(8, (await first.Grains.Inventory("s1", sku).GetStock()).OnHand);
            // Before the window passes, the ticks change nothing.
            clock.Advance(TimeSpan.FromDays(6));
            var queue = await first.Grains.GetGrain<IPickupQueueGrain>("s1").List(FulfillmentStatus.READY_FOR_PICKUP, 200);
            Assert.Contains(queue, o => o.Id == orderId);
            Assert.Equal(FulfillmentStatus.READY_FOR_PICKUP, (await order.Get())!.PickupAt("s1")!.Status);
        }

        clock.Advance(TimeSpan.FromDays(2));
        await using var second = await OmniTestCluster.Start(db, clock: clock, settings: Settings);
        var restarted = second.Grains.GetGrain<IOrderGrain>(orderId);

        // Reads only: the reminder brings the order back and it lapses the pickup by itself.
        var lapsed = await Eventually.Get(() => restarted.Get(), o => o!.PickupAt("s1")!.Status == FulfillmentStatus.CANCELLED, Deadline, "the pickup lapses");
        var stock = await Eventually.Get(() => second.Grains.Inventory("s1", sku).GetStock(), s => s.OnHand == 10, Deadline, "the units are back at s1");
        var queued = await Eventually.Get(
            () => second.Grains.GetGrain<IPickupQueueGrain>("s1").List(FulfillmentStatus.CANCELLED, 200), q => q.Any(o => o.Id == orderId), Deadline, "the counter hears of it");

        Assert.True(collectBy < clock.GetUtcNow());
        Assert.Equal(OrderStatus.PLACED, lapsed!.Status);
        Assert.Equal(FulfillmentStatus.OPEN, lapsed.PickupAt("s2")!.Status);
        Assert.Equal((10, 0), (stock.OnHand, stock.Reserved));
        Assert.Equal(9, (await second.Grains.Inventory("s2", sku).GetStock()).OnHand);
        Assert.DoesNotContain(await second.Grains.GetGrain<IPickupQueueGrain>("s1").List(FulfillmentStatus.READY_FOR_PICKUP, 200), o => o.Id == orderId);
        // Cancelling the rest now gives back only s2's unit: s1's went back when the pickup lapsed.
        var cancelled = await restarted.Cancel();
        Assert.Equal(OrderStatus.CANCELLED, cancelled.Order!.Status);
        Assert.Equal(10, (await second.Grains.Inventory("s1", sku).GetStock()).OnHand);
        Assert.Equal(10, (await second.Grains.Inventory("s2", sku).GetStock()).OnHand);
    }
}
