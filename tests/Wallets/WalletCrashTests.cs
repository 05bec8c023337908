using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Catalog;
using Omni.Customers;
using Omni.Inventory;
using Omni.Journal;
using Omni.Orders;
using Omni.Sessions;
using Omni.Wallets;

namespace Omni.Tests.Wallets;

/// <summary>
/// Crashes around the wallet and the timeline. The states a kill between a source's write and
/// its delivery leaves are made exactly (journal commits written as the dead activation wrote
/// them, nothing active), then nobody calls: the saga sweeper finds the stream in flight and the
/// source delivers. And a silo killed in a burst of top-ups and charges loses nothing
/// acknowledged and applies nothing twice.
/// </summary>
[Collection(SiloCrashCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class WalletCrashTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_wallet_change_written_just_before_its_silo_died_reaches_the_timeline_exactly_once()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        var customerId = $"crash-{Guid.NewGuid():N}";
        var at = cluster.Clock.GetUtcNow();
        var topUp = new WalletEvent("app:k1", WalletChange.ToppedUp, 10m, 0, at);
        var charge = new WalletEvent("pos:s1:c1", WalletChange.Charged, 4m, 0, at, "s1", null, Channel.POS);
        // The dead activation acknowledged both changes; it had delivered the first to the timeline
        // but died before recording that, and never delivered the second.
        await using (var committer = new JournalCommitter(db.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance))
        {
            await committer.Append($"wallet/{customerId}", 0, Commit(new WalletCommit([topUp])), inFlight: true);
            await committer.Append($"wallet/{customerId}", 1, Commit(new WalletCommit([charge])), inFlight: true);
        }
        var timeline = cluster.Grains.GetGrain<ICustomerTimelineGrain>(customerId);
        await timeline.Deliver([WalletGrain.Entry(new OutboxEntry(1, topUp, 0))]);
        var wallet = cluster.Grains.GetGrain<IWalletGrain>(customerId);
        Assert.False(cluster.Cluster.TryGetGrainContext(wallet.GetGrainId(), out _));

        await Eventually.True(async () => !await db.Scalar<bool>("SELECT in_flight FROM omni_stream WHERE stream = $1", $"wallet/{customerId}"),
            Deadline, "the sweeper brings the wallet back and it delivers its outbox");
        var entries = await timeline.Page(50, null);
        // Activating it again, and a retry of the acknowledged top-up, deliver nothing new.
        await wallet.Resume();
        var retried = await wallet.TopUp("app:k1", 10m);
        var again = await timeline.Page(50, null);

        Assert.Equal([("wallet:2", TimelineKind.WALLET_CHARGED), ("wallet:1", TimelineKind.WALLET_TOPPED_UP)], entries.Select(e => (e.Id, e.Kind)));
        Assert.Equal(entries, again);
        Assert.Equal((10m, 1L), (retried.Wallet.Balance, retried.Wallet.Version));
        Assert.Equal((6m, 2L), ((await wallet.Get()).Balance, (await wallet.Get()).Version));
        Assert.Equal(2, await db.Scalar<long>("SELECT count(*) FROM omni_timeline WHERE customer_id = $1", customerId));
    }

    [Fact]
    public async Task An_order_placed_just_before_its_silo_died_earns_its_points_once_and_a_cancel_nets_them_to_zero()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        var customerId = $"crash-{Guid.NewGuid():N}";
        var orderId = Guid.NewGuid();
        var at = cluster.Clock.GetUtcNow();
        OrderLine[] lines = [new("CRASH-SKU", 3, FulfillmentKind.SHIP, "w1", 8.40m, "r1")];
        // The order was placed (every hold committed, acknowledged to the customer) and its silo
        // died before the wallet or the timeline heard of it.
        await using (var committer = new JournalCommitter(db.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance))
        {
            await committer.Append($"order/{orderId:N}", 0, Commit(new OrderCommit(at, [new OrderPlacing(Guid.NewGuid(), customerId, lines, "EUR", at, Channel.WEB)])), inFlight: true);
            await committer.Append($"order/{orderId:N}", 1, Commit(new OrderCommit(at, [new LinesCommitted([0]), new OrderPlaced()])), inFlight: true);
        }
        var order = cluster.Grains.GetGrain<IOrderGrain>(orderId);
        var wallet = cluster.Grains.GetGrain<IWalletGrain>(customerId);
        var timeline = cluster.Grains.GetGrain<ICustomerTimelineGrain>(customerId);

        await Eventually.True(async () => !await db.Scalar<bool>("SELECT in_flight FROM omni_stream WHERE stream = $1", $"order/{orderId:N}"),
            Deadline, "the sweeper brings the order back and it settles with the customer");
        var earned = await wallet.Get();
        await order.Resume();
        var cancelled = await order.Cancel();
        var reversed = await wallet.Get();
        var entries = await Eventually.Get(() => timeline.Page(50, null), e => e.Count == 4, Deadline, "every entry on the timeline");

        // 3 × 8.40 = 25.20: 25 points, once, however often the order resumes; the cancel takes back all 25.
        Assert.Equal((25, 1L), (earned.Points, earned.Version));
        Assert.Equal(OrderStatus.CANCELLED, cancelled.Order!.Status);
        Assert.Equal((0, 2L), (reversed.Points, reversed.Version));
        Assert.Equal(
            [TimelineKind.ORDER_PLACED, TimelineKind.ORDER_CANCELLED, TimelineKind.POINTS_EARNED, TimelineKind.POINTS_REVERSED],
            entries.Select(e => e.Kind).Order());
        Assert.Equal(4, entries.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_silo_killed_mid_burst_of_top_ups_and_charges_loses_nothing_acknowledged_and_applies_nothing_twice()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast,
            settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        var customerId = $"burst-{Guid.NewGuid():N}";
        var wallet = cluster.Grains.GetGrain<IWalletGrain>(customerId);
        Assert.True((await wallet.TopUp("opening", 1000m)).Succeeded);
        var host = cluster.HostOf(wallet);

        // Four tills and four apps, 20 changes each: apps top up 3.25, tills charge 1.10 (the balance always covers them).
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var killIssued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<WalletResult> Change(int client, int n) => client % 2 == 0
            ? wallet.TopUp($"app:{client}-{n}", 3.25m)
            : wallet.Charge($"pos:{client}-{n}", 1.10m);
        var burst = Enumerable.Range(0, 8).Select(async client =>
        {
            for (var n = 0; n < 20; n++)
            {
                if (acknowledged.Count >= 40)
                {
                    await killIssued.Task;
                }
                try
                {
                    var result = await Change(client, n);
                    Assert.True(result.Succeeded, result.Error?.Message);
                    acknowledged[$"{client}-{n}"] = result.Wallet.Version;
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    // In flight when the silo died: unknown outcome, which a retry with the same id settles.
                }
            }
        }).ToList();
        await Eventually.True(() => Task.FromResult(acknowledged.Count >= 40), Deadline, "part of the burst is acknowledged");
        var kill = cluster.Cluster.KillSiloAsync(host);
        var acknowledgedAtKill = acknowledged.Count;
        killIssued.SetResult();
        await kill;
        await Task.WhenAll(burst);
        Assert.True(acknowledgedAtKill < 160, "the silo died before the burst was over");

        // Every change retried with its id: an acknowledged one answers with its first version, the rest settle once.
        var retried = new Dictionary<string, long>();
        for (var client = 0; client < 8; client++)
        {
            for (var n = 0; n < 20; n++)
            {
                var result = await Eventually.Get(() => Change(client, n), _ => true, Deadline, "the wallet answers on the survivor");
                Assert.True(result.Succeeded, result.Error?.Message);
                retried[$"{client}-{n}"] = result.Wallet.Version;
            }
        }
        var final = await wallet.Get();
        var entries = await Eventually.Get(() => cluster.Grains.GetGrain<ICustomerTimelineGrain>(customerId).Page(200, null),
            e => e.Count >= 161, Deadline, "every change on the timeline");

        Assert.All(acknowledged, a => Assert.Equal(a.Value, retried[a.Key]));
        Assert.Equal(Enumerable.Range(2, 160).Select(v => (long)v), retried.Values.Order());
        Assert.Equal((1000m + 80 * 3.25m - 80 * 1.10m, 161L), (final.Balance, final.Version));
        Assert.Equal(161, entries.Count);
        Assert.Equal(Enumerable.Range(1, 161).Select(v => $"wallet:{v}").Order(), entries.Select(e => e.Id).Order());
        Assert.Equal(161, await db.Scalar<long>("SELECT count(*) FROM omni_timeline WHERE customer_id = $1", customerId));
    }

    [Fact]
    public async Task A_silo_killed_mid_checkouts_leaves_every_order_with_its_points_once_and_cancelled_ones_at_zero()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db, silos: 2, failureDetection: FailureDetection.Fast,
            settings: new() { ["Orders:SagaRetryPeriod"] = "00:00:01" });
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var sku = $"WCR-{Guid.NewGuid():N}"[..14];
        await cluster.Grains.GetGrain<IProductGrain>(sku).Define(sku, 7.50m, "EUR");
        await cluster.Grains.Inventory("w1", sku).Receive("opening", 1000);
        // Sixteen customers, each a cart of 2 × 7.50 = 15.00 (15 points), checked out at once.
        var customers = Enumerable.Range(0, 16).Select(i => $"wcr-{i}-{Guid.NewGuid():N}").ToList();
        var carts = new List<ICartGrain>();
        foreach (var customer in customers)
        {
            var session = await cluster.Grains.GetGrain<ISessionGrain>($"s-{customer}").Start(Channel.WEB, customer);
            var cart = cluster.Grains.GetGrain<ICartGrain>(session.CartId);
            Assert.True((await cart.AddLine(sku, 2, Fulfillment.Ship, new ChangeContext(Channel.WEB))).Succeeded);
            carts.Add(cart);
        }
        var host = cluster.HostOf(carts[0]);

        var checkouts = carts.Select(async cart =>
        {
            try
            {
                return (await cart.Checkout("k1", Channel.WEB)).Order?.Id;
            }
            catch (Exception)
            {
                return null; // in flight when the silo died: the retry below settles it
            }
        }).ToList();
        await Eventually.True(async () => await db.Scalar<long>("SELECT count(*) FROM omni_stream WHERE stream LIKE 'order/%'") >= 4,
            Deadline, "some checkouts under way");
        // Where each saga was when the silo died varies from run to run; the exact states a kill
        // between a write and its delivery leaves are made precisely by the two tests above.
        await cluster.Cluster.KillSiloAsync(host);
        await Task.WhenAll(checkouts);

        // Every checkout retried with its key: each cart ends with one placed order.
        var orders = new List<Guid>();
        foreach (var cart in carts)
        {
            var result = await Eventually.Get(() => cart.Checkout("k1", Channel.WEB), r => r.Order is { Status: OrderStatus.PLACED }, Deadline, "the checkout settles");
            orders.Add(result.Order!.Id);
        }
        var cancelled = orders.Where((_, i) => i % 2 == 1).ToList();
        foreach (var id in cancelled)
        {
            Assert.Equal(OrderStatus.CANCELLED, (await cluster.Grains.GetGrain<IOrderGrain>(id).Cancel()).Order!.Status);
        }
        await Eventually.True(async () => await db.Scalar<long>(
                "SELECT count(*) FROM omni_stream WHERE in_flight AND (stream LIKE 'order/%' OR stream LIKE 'wallet/%' OR stream LIKE 'customer/%')") == 0,
            Deadline, "every order, wallet and customer has settled what it owed");

        for (var i = 0; i < customers.Count; i++)
        {
            var wallet = await cluster.Grains.GetGrain<IWalletGrain>(customers[i]).Get();
            var entries = await cluster.Grains.GetGrain<ICustomerTimelineGrain>(customers[i]).Page(50, null);
            var kinds = entries.Select(e => e.Kind).ToList();
            if (cancelled.Contains(orders[i]))
            {
                // Earned 15 once and took back exactly 15: net zero.
                Assert.Equal((0, 2L), (wallet.Points, wallet.Version));
                Assert.Equal([-15, 15], entries.Where(e => e.Kind is TimelineKind.POINTS_EARNED or TimelineKind.POINTS_REVERSED).Select(e => e.Points!.Value));
                Assert.Single(kinds, TimelineKind.ORDER_CANCELLED);
            }
            else
            {
                Assert.Equal((15, 1L), (wallet.Points, wallet.Version));
                Assert.Single(kinds, TimelineKind.POINTS_EARNED);
            }
            Assert.Single(kinds, TimelineKind.ORDER_PLACED);
            Assert.Equal(entries.Count, entries.Select(e => e.Id).Distinct().Count());
        }
    }

    private static string Commit<T>(T commit) => JsonSerializer.Serialize(commit, StreamJournal<WalletCommit, WalletSnapshot>.Json);
}
