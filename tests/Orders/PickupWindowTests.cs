using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Catalog;
using Omni.Inventory;
using Omni.Journal;
using Omni.Orders;
using Omni.Sessions;
using Orleans.Core.Internal;

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

    /// <summary>
    /// The state a crash between recording a return and putting its units into the store leaves,
    /// made exactly: the return is in the order's journal, its stream marked in flight, no activation
    /// left. Nobody calls the order again; the saga sweeper finds it and the units reach the store once.
    /// </summary>
    [Fact]
    public async Task A_return_a_crash_interrupted_reaches_the_stores_stock_with_nobody_calling()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var sku = $"RT-{Guid.NewGuid():N}"[..16];
        Assert.Null(await cluster.Grains.GetGrain<IProductGrain>(sku).Define("Return " + sku, 7m, "EUR"));
        Assert.True((await cluster.Grains.Inventory("s1", sku).Receive("opening", 5)).Succeeded);
        var session = await cluster.Grains.GetGrain<ISessionGrain>($"rt-{Guid.NewGuid():N}").Start(Channel.APP, null);
        var cart = cluster.Grains.GetGrain<ICartGrain>(session.CartId);
        Assert.Empty((await cart.AddLine(sku, 2, new Fulfillment(FulfillmentKind.PICKUP, "s1"), new ChangeContext(Channel.APP))).Errors);
        var placed = (await cart.Checkout("rt-key", Channel.APP)).Order!;
        var order = cluster.Grains.GetGrain<IOrderGrain>(placed.Id);
        Assert.Empty((await order.MarkReadyForPickup("f1")).Errors);
        var collected = await order.ConfirmPickup("f1");
        Assert.Equal(OrderStatus.COMPLETED, collected.Order!.Status);

        await order.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.True(() => Task.FromResult(!cluster.Cluster.TryGetGrainContext(order.GetGrainId(), out _)), Deadline, "the order is gone from memory");
        var at = cluster.Clock.GetUtcNow();
        await using (var committer = new JournalCommitter(db.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance))
        {
            await committer.Append($"order/{placed.Id:N}", collected.Order.Version,
                JsonSerializer.Serialize(new OrderCommit(at, [new LinesReturned("crash-return", "s2", [new ReturnedUnits(0, 1)], "crash")]), StreamJournal<OrderCommit, OrderSnapshot>.Json),
                inFlight: true);
        }

        // Reads only, and none of the order until the sweeper settled it.
        await Eventually.True(async () => !await db.Scalar<bool>("SELECT in_flight FROM omni_stream WHERE stream = $1", $"order/{placed.Id:N}"), Deadline, "the sweeper finishes the return");
        var atS2 = await cluster.Grains.Inventory("s2", sku).GetStock();
        var final = (await order.Get())!;
        var retried = await order.ReturnLines("crash-return", "s2", [new ReturnRequestLine(sku, 1)], "crash");

        Assert.Equal(1, atS2.OnHand);
        Assert.Equal(7m, final.RefundedTotal);
        Assert.Equal(final.Version, retried.Order!.Version);
        Assert.Equal(1, (await cluster.Grains.Inventory("s2", sku).GetStock()).OnHand);
        Assert.Equal(3, (await cluster.Grains.Inventory("s1", sku).GetStock()).OnHand);
    }
}
