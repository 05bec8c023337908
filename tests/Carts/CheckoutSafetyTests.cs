using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Inventory;
using Omni.Journal;
using Omni.Orders;
using Omni.Sessions;
using Orleans.Core.Internal;

namespace Omni.Tests.Carts;

/// <summary>
/// The ways one hold could end up in two orders, and a merge racing a checkout: each ends with
/// one order or a clear refusal, on-hand dropped exactly once per unit sold, no line lost and
/// no hold orphaned.
/// </summary>
[Collection(InventoryCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class CheckoutSafetyTests(InventoryFixture fixture)
{
    private static readonly Fulfillment PickupBerlin = new(FulfillmentKind.PICKUP, "s1");
    private IGrainFactory Grains => fixture.Grains;

    private async Task<string> Stocked(int berlin, int warehouse = 0)
    {
        var sku = await fixture.NewSku(price: 4m);
        await Grains.Inventory("s1", sku).Receive("m", berlin);
        if (warehouse > 0)
        {
            await Grains.Inventory("w1", sku).Receive("m", warehouse);
        }
        return sku;
    }

    private async Task<ICartGrain> CustomerCart(string customer) =>
        Grains.GetGrain<ICartGrain>((await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, customer)).CartId);

    [Fact]
    public async Task A_hold_sold_by_anyone_else_is_not_sold_again_by_the_checkout()
    {
        var sku = await Stocked(berlin: 5);
        var cart = await CustomerCart($"c-{Guid.NewGuid():N}");
        var line = (await cart.AddLine(sku, 2, PickupBerlin, new ChangeContext(Channel.WEB))).Cart!.Lines.Single();
        var stock = Grains.Inventory("s1", sku);

        // A till cannot sell a cart's hold at all; any other sale that does is the only one.
        var atTill = await stock.Commit(line.ReservationId!, owner: "pos:s1", by: "pos:s1");
        var elsewhere = await stock.Commit(line.ReservationId!, by: "sale-elsewhere");
        var checkout = await cart.Checkout("k1", Channel.WEB);

        Assert.Equal(ErrorCode.CONFLICT, atTill.Error?.Code);
        Assert.True(elsewhere.Succeeded, elsewhere.Error?.Message);
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, checkout.Errors.Single().Code);
        Assert.Equal(OrderStatus.CANCELLED, checkout.Order?.Status);
        Assert.False(checkout.Cart!.CheckedOut);
        Assert.Equal(3, (await stock.GetStock()).OnHand);
        // The same order retrying its commit gets its first outcome; another order is refused.
        Assert.Equal(ErrorCode.CONFLICT, (await stock.Commit(line.ReservationId!, by: $"order:{Guid.NewGuid():N}")).Error?.Code);
        Assert.True((await stock.Commit(line.ReservationId!, by: "sale-elsewhere")).Succeeded);
        Assert.Equal(3, (await stock.GetStock()).OnHand);
    }

    [Fact]
    public async Task A_checkout_left_in_doubt_is_settled_before_another_key_can_place_a_second_order()
    {
        var sku = await Stocked(berlin: 5);
        var customer = $"c-{Guid.NewGuid():N}";
        var cart = await CustomerCart(customer);
        var added = await cart.AddLine(sku, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        Assert.True(added.Succeeded);

        // What a crash right after the cart recorded checkout k1 leaves: the record, no order yet.
        var firstOrder = Guid.NewGuid();
        await cart.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await AppendToCart(cart.GetPrimaryKey(), added.Cart!.Version, new CheckoutStarted("k1", firstOrder));

        var second = await cart.Checkout("k2", Channel.APP);
        var first = await cart.Checkout("k1", Channel.WEB);

        Assert.Equal(ErrorCode.ALREADY_CHECKED_OUT, second.Errors.Single().Code);
        Assert.True(first.Succeeded, first.Errors.FirstOrDefault()?.Message);
        Assert.Equal(firstOrder, first.Order!.Id);
        Assert.Equal(OrderStatus.PLACED, first.Order.Status);
        Assert.Equal((3, 0), Level(await Grains.Inventory("s1", sku).GetStock()));
        Assert.Equal([firstOrder], (await Grains.GetGrain<Omni.Customers.ICustomerGrain>(customer).Get()).Orders);
    }

    [Fact]
    public async Task A_checkout_whose_order_was_cancelled_in_doubt_frees_the_key_and_the_cart_holds_its_lines_again()
    {
        var sku = await Stocked(berlin: 5);
        var cart = await CustomerCart($"c-{Guid.NewGuid():N}");
        var added = await cart.AddLine(sku, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        var hold = added.Cart!.Lines.Single().ReservationId!;
        // The hold went before the order could commit it: the order must cancel, not sell.
        Assert.True((await Grains.Inventory("s1", sku).Release(hold)).Succeeded);
        await cart.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await AppendToCart(cart.GetPrimaryKey(), added.Cart.Version, new CheckoutStarted("k1", Guid.NewGuid()));

        var next = await cart.AddLine(sku, 1, PickupBerlin, new ChangeContext(Channel.WEB));

        Assert.True(next.Succeeded, next.Errors.FirstOrDefault()?.Message);
        Assert.False(next.Cart!.CheckedOut);
        Assert.Equal(3, next.Cart.Lines.Single().Quantity);
        Assert.Equal((5, 3), Level(await Grains.Inventory("s1", sku).GetStock()));
        Assert.True((await cart.Checkout("k1", Channel.WEB)).Succeeded);
        Assert.Equal((2, 0), Level(await Grains.Inventory("s1", sku).GetStock()));
    }

    [Fact]
    public async Task A_merge_racing_a_checkout_loses_no_line_and_orphans_no_hold()
    {
        for (var round = 0; round < 8; round++)
        {
            var anonymousSku = await Stocked(berlin: 10);
            var customerSku = await Stocked(berlin: 10);
            var customer = $"c-{Guid.NewGuid():N}";
            var customerCart = await CustomerCart(customer);
            var anonymousCart = Grains.GetGrain<ICartGrain>((await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.APP, null)).CartId);
            Assert.True((await customerCart.AddLine(customerSku, 2, PickupBerlin, new ChangeContext(Channel.WEB))).Succeeded);
            Assert.True((await anonymousCart.AddLine(anonymousSku, 3, PickupBerlin, new ChangeContext(Channel.APP))).Succeeded);

            var checkout = customerCart.Checkout($"k{round}", Channel.WEB);
            var merge = anonymousCart.MergeInto(customerCart.GetPrimaryKey(), Channel.APP);
            var (placed, merged) = (await checkout, await merge);

            Assert.True(placed.Succeeded, placed.Errors.FirstOrDefault()?.Message);
            var order = placed.Order!;
            var anonymous = (await anonymousCart.Get())!;
            var anonymousStock = await Grains.Inventory("s1", anonymousSku).GetStock();
            if (order.Lines.Any(l => l.Sku == anonymousSku))
            {
                // The merge came first: its line went into the order and was sold once.
                Assert.True(merged.Succeeded);
                Assert.Empty(anonymous.Lines);
                Assert.Equal((7, 0), Level(anonymousStock));
            }
            else
            {
                // The checkout came first: the merge was refused and the anonymous cart kept its line and hold.
                Assert.Equal(ErrorCode.ALREADY_CHECKED_OUT, merged.Errors.Single().Code);
                var kept = anonymous.Lines.Single();
                Assert.Equal(3, kept.Quantity);
                Assert.Equal((10, 3), Level(anonymousStock));
                Assert.Equal(anonymous.Id.ToString("N"), (await Grains.Inventory("s1", anonymousSku).GetReservation(kept.ReservationId!))?.Owner?[5..]);
            }
            Assert.Equal((8, 0), Level(await Grains.Inventory("s1", customerSku).GetStock()));
        }
    }

    private static (int OnHand, int Reserved) Level(StockLevel level) => (level.OnHand, level.Reserved);

    /// <summary>Appends one commit to a cart's stream behind the grain's back, as a crash would have left it.</summary>
    private async Task AppendToCart(Guid cartId, long version, params CartEvent[] events)
    {
        await using var committer = new JournalCommitter(fixture.Database.DataSource, Options.Create(new JournalOptions()), NullLogger<JournalCommitter>.Instance);
        var commit = new CartCommit(fixture.Cluster.Clock.GetUtcNow(), Channel.WEB, events);
        await committer.Append($"cart/{cartId:N}", version, JsonSerializer.Serialize(commit, StreamJournal<CartCommit, CartSnapshot>.Json));
    }
}
