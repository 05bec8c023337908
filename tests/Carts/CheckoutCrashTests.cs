using System.Collections.Concurrent;
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

namespace Omni.Tests.Carts;

/// <summary>
/// Crashes in the cart and order half. A checkout interrupted mid-saga is finished or undone by
/// the order's reminder with nobody calling, and the cart hears of it; a silo killed in a burst
/// of cart changes loses no acknowledged line.
/// </summary>
[Collection(SiloCrashCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class CheckoutCrashTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The state a kill between two saga steps leaves, made exactly rather than hoped for with a
    /// timed kill: the cart recorded the checkout, the order recorded its lines and the first
    /// commit, and no activation of either is left. Nobody changes anything after that.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_checkout_interrupted_mid_saga_is_finished_or_undone_by_the_order_itself(bool holdsStillThere)
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var session = await cluster.Grains.GetGrain<ISessionGrain>("crash-session").Start(Channel.WEB, null);
        var cart = cluster.Grains.GetGrain<ICartGrain>(session.CartId);
        var skus = Enumerable.Range(0, 3).Select(i => $"CO-{i}-{Guid.NewGuid():N}"[..14]).ToList();
        CartView view = null!;
        foreach (var sku in skus)
        {
            await cluster.Grains.GetGrain<IProductGrain>(sku).Define(sku, 5m, "EUR");
            await cluster.Grains.Inventory("w1", sku).Receive("opening", 10);
            view = (await cart.AddLine(sku, 2, Fulfillment.Ship, new ChangeContext(Channel.WEB))).Cart!;
        }
        var orderId = Guid.NewGuid();
        var order = cluster.Grains.GetGrain<IOrderGrain>(orderId);
        var lines = view.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.Fulfillment, l.StoreId!, l.UnitPrice, l.ReservationId!)).ToList();
        var sale = $"order:{orderId:N}";

        // The saga got as far as committing the first line when its silo died.
        Assert.True((await cluster.Grains.Inventory("w1", lines[0].Sku).Commit(lines[0].ReservationId, by: sale)).Succeeded);
        if (!holdsStillThere)
        {
            // ... and the last line's hold went meanwhile, so the order must undo itself.
            Assert.True((await cluster.Grains.Inventory("w1", lines[2].Sku).Release(lines[2].ReservationId)).Succeeded);
        }
        await cart.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var at = cluster.Clock.GetUtcNow();
        await using (var committer = new JournalCommitter(db.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance))
        {
            await committer.Append($"cart/{view.Id:N}", view.Version,
                JsonSerializer.Serialize(new CartCommit(at, Channel.WEB, [new CheckoutStarted("crash-key", orderId)]), StreamJournal<CartCommit, CartSnapshot>.Json));
            await committer.Append($"order/{orderId:N}", 0,
                JsonSerializer.Serialize(new OrderCommit(at, [new OrderPlacing(view.Id, null, lines, "EUR", at)]), StreamJournal<OrderCommit, OrderSnapshot>.Json), inFlight: true);
            await committer.Append($"order/{orderId:N}", 1,
                JsonSerializer.Serialize(new OrderCommit(at, [new LinesCommitted([0])]), StreamJournal<OrderCommit, OrderSnapshot>.Json), inFlight: true);
        }
        Assert.False(Activated(cluster, order));

        // Only reads from here, and only once the order has settled: the saga sweeper finds the
        // order in flight and brings it back, the order finishes or undoes itself and tells the cart.
        await Eventually.True(() => Settled(orderId, db), Deadline, "the order's saga settles by itself");
        var final = await order.Get();
        var settledCart = await Eventually.Get(() => cart.Get(), c => c!.CheckedOut || c.Lines.All(l => l.ReservationId is not null && l.ReservationId != lines.Single(o => o.Sku == l.Sku).ReservationId),
            Deadline, "the cart hears how its checkout ended");
        var levels = await Task.WhenAll(skus.Select(sku => cluster.Grains.Inventory("w1", sku).GetStock()));

        if (holdsStillThere)
        {
            Assert.Equal(OrderStatus.PLACED, final!.Status);
            Assert.True(settledCart!.CheckedOut);
            Assert.All(levels, l => Assert.Equal((8, 0), (l.OnHand, l.Reserved)));
        }
        else
        {
            // Undone: the committed line's units are back, the other holds released; the cart holds its lines afresh.
            Assert.Equal(OrderStatus.CANCELLED, final!.Status);
            Assert.False(settledCart!.CheckedOut);
            Assert.All(levels, l => Assert.Equal((10, 2), (l.OnHand, l.Reserved)));
        }
        var retried = await cart.Checkout("crash-key", Channel.WEB);
        Assert.Equal(holdsStillThere ? orderId : retried.Order!.Id, retried.Order!.Id);
        Assert.Equal(OrderStatus.PLACED, retried.Order.Status);
    }

    [Fact]
    public async Task A_silo_killed_in_a_burst_of_cart_changes_keeps_every_acknowledged_line_with_its_hold()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast);
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var skus = Enumerable.Range(0, 6).Select(i => $"BU-{i}-{Guid.NewGuid():N}"[..14]).ToList();
        foreach (var sku in skus)
        {
            await cluster.Grains.GetGrain<IProductGrain>(sku).Define(sku, 1m, "EUR");
            await cluster.Grains.Inventory("w1", sku).Receive("opening", 1_000);
        }
        var carts = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
            (await cluster.Grains.GetGrain<ISessionGrain>($"burst-{i}-{Guid.NewGuid():N}").Start(Channel.WEB, null)).CartId));
        var acknowledged = new ConcurrentBag<(Guid Cart, string Sku)>();
        var refused = new ConcurrentBag<string>();
        var failed = new ConcurrentBag<string>();
        var killAfter = new TaskCompletionSource();

        async Task Shopper(Guid cartId)
        {
            var cart = cluster.Grains.GetGrain<ICartGrain>(cartId);
            foreach (var sku in skus)
            {
                try
                {
                    var result = await cart.AddLine(sku, 1, Fulfillment.Ship, new ChangeContext(Channel.WEB));
                    if (result.Succeeded)
                    {
                        acknowledged.Add((cartId, sku));
                    }
                    else
                    {
                        refused.Add(result.Errors.Single().Code.ToString());
                    }
                }
                catch (Exception e)
                {
                    // Not acknowledged; recorded, and the line may or may not be there.
                    failed.Add(e.GetType().Name);
                }
                if (acknowledged.Count >= carts.Length * 2)
                {
                    killAfter.TrySetResult();
                }
            }
        }

        var shoppers = Task.WhenAll(carts.Select(Shopper));
        await killAfter.Task.WaitAsync(Deadline);
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos[1]);
        await shoppers.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Empty(refused);
        Assert.True(acknowledged.Count > carts.Length * 2, $"only {acknowledged.Count} changes were acknowledged");
        foreach (var group in acknowledged.GroupBy(a => a.Cart))
        {
            var view = await Eventually.Get(() => cluster.Grains.GetGrain<ICartGrain>(group.Key).Get(), v => v is not null, Deadline, "the cart is served again");
            foreach (var (_, sku) in group)
            {
                var line = view!.Lines.SingleOrDefault(l => l.Sku == sku);
                Assert.True(line is not null, $"cart {group.Key} lost its acknowledged line {sku} ({failed.Count} calls failed)");
                var hold = await cluster.Grains.Inventory(line.StoreId!, sku).GetReservation(line.ReservationId!);
                Assert.Equal($"cart:{group.Key:N}", hold?.Owner);
                Assert.Equal(1, hold!.Quantity);
            }
        }
    }

    /// <summary>The saga is over when its stream is no longer in flight.</summary>
    private static async Task<bool> Settled(Guid orderId, TestDatabase db) =>
        !await db.Scalar<bool>("SELECT in_flight FROM omni_stream WHERE stream = $1", $"order/{orderId:N}");

    private static bool Activated(OmniTestCluster cluster, IAddressable grain) =>
        cluster.Cluster.TryGetGrainContext(grain.GetGrainId(), out _);
}
