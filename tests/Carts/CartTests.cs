using Omni.Carts;
using Omni.Customers;
using Omni.Inventory;
using Omni.Orders;
using Omni.Sessions;

namespace Omni.Tests.Carts;

[Collection(InventoryCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class CartTests(InventoryFixture fixture)
{
    private static readonly Fulfillment PickupBerlin = new(FulfillmentKind.PICKUP, "s1");
    private IGrainFactory Grains => fixture.Grains;

    private async Task<string> Stocked(int warehouse = 10, int berlin = 5, int hamburg = 0)
    {
        var sku = await fixture.NewSku(price: 12.50m);
        await Grains.Inventory("w1", sku).Receive("m", warehouse);
        await Grains.Inventory("s1", sku).Receive("m", berlin);
        if (hamburg > 0)
        {
            await Grains.Inventory("s2", sku).Receive("m", hamburg);
        }
        return sku;
    }

    private async Task<SessionView> Session(Channel channel, string? customer) =>
        await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(channel, customer);

    [Fact]
    public async Task Two_sessions_of_one_customer_share_the_cart_and_a_change_on_the_web_reaches_the_app()
    {
        var customer = $"c-{Guid.NewGuid():N}";
        var web = await Session(Channel.WEB, customer);
        var app = await Session(Channel.APP, customer);
        var sku = await Stocked();
        var watcher = new CartWatcher();
        var cart = Grains.GetGrain<ICartGrain>(app.CartId);
        await cart.Subscribe(Grains.CreateObjectReference<ICartObserver>(watcher));

        var added = await Grains.GetGrain<ICartGrain>(web.CartId).AddLine(sku, 2, Fulfillment.Ship, new ChangeContext(Channel.WEB));

        Assert.Equal(web.CartId, app.CartId);
        Assert.True(added.Succeeded, added.Errors.FirstOrDefault()?.Message);
        var seen = await watcher.WaitFor(c => c.Version == added.Cart!.Version);
        Assert.Equal(Channel.WEB, seen.LastChangedBy);
        Assert.Equal((sku, 2, "w1"), (seen.Lines[0].Sku, seen.Lines[0].Quantity, seen.Lines[0].StoreId));
        Assert.Equal(25.00m, seen.Subtotal);
        var customerView = await Grains.GetGrain<ICustomerGrain>(customer).Get();
        Assert.Equal(2, customerView.Sessions.Count);
    }

    [Fact]
    public async Task A_line_holds_stock_at_its_location_and_quantity_changes_grow_shrink_or_release_the_hold()
    {
        var sku = await Stocked(warehouse: 0, berlin: 5);
        var session = await Session(Channel.WEB, null);
        var cart = Grains.GetGrain<ICartGrain>(session.CartId);
        var berlin = Grains.Inventory("s1", sku);

        var added = await cart.AddLine(sku, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        var line = added.Cart!.Lines.Single();
        var heldAfterAdd = (await berlin.GetStock()).Reserved;
        var grown = await cart.SetLineQuantity(line.Id, 5, new ChangeContext(Channel.WEB));
        var heldAfterGrow = (await berlin.GetStock()).Reserved;
        var tooMany = await cart.AddLine(sku, 1, PickupBerlin, new ChangeContext(Channel.WEB));
        var shrunk = await cart.SetLineQuantity(line.Id, 1, new ChangeContext(Channel.WEB));
        var heldAfterShrink = (await berlin.GetStock()).Reserved;
        var removed = await cart.RemoveLine(line.Id, new ChangeContext(Channel.WEB));

        Assert.Equal((2, 5, 1), (heldAfterAdd, heldAfterGrow, heldAfterShrink));
        Assert.True(grown.Succeeded);
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, tooMany.Errors.Single().Code);
        Assert.Contains("only 0", tooMany.Errors.Single().Message);
        Assert.Equal(1, shrunk.Cart!.Lines.Single().Quantity);
        Assert.Empty(removed.Cart!.Lines);
        Assert.Equal(0, (await berlin.GetStock()).Reserved);
        Assert.Equal(new long[] { 2, 3, 4, 5 }, new[] { added, grown, shrunk, removed }.Select(r => r.Cart!.Version));
    }

    [Fact]
    public async Task Not_enough_stock_names_what_is_available_and_the_nearest_stores_that_have_it()
    {
        var sku = await Stocked(warehouse: 1, berlin: 0, hamburg: 6);
        var cart = Grains.GetGrain<ICartGrain>((await Session(Channel.WEB, null)).CartId);

        var refused = await cart.AddLine(sku, 4, PickupBerlin, new ChangeContext(Channel.WEB));

        var error = refused.Errors.Single();
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, error.Code);
        Assert.Contains("only 0", error.Message);
        Assert.Contains("Test Hamburg (s2, 6 available", error.Message);
        Assert.Empty(refused.Cart!.Lines);
        Assert.Equal(1, refused.Cart.Version);
    }

    [Fact]
    public async Task Bad_input_gets_its_error_code_and_leaves_the_cart_alone()
    {
        var sku = await Stocked();
        var cart = Grains.GetGrain<ICartGrain>((await Session(Channel.WEB, null)).CartId);
        var context = new ChangeContext(Channel.WEB);

        var zero = await cart.AddLine(sku, 0, Fulfillment.Ship, context);
        var tooBig = await cart.AddLine(sku, Limits.MaxUnitsPerLine + 1, Fulfillment.Ship, context);
        var unknownSku = await cart.AddLine("NO-SUCH-THING", 1, Fulfillment.Ship, context);
        var pickupNowhere = await cart.AddLine(sku, 1, new Fulfillment(FulfillmentKind.PICKUP, null), context);
        var pickupAtWarehouse = await cart.AddLine(sku, 1, new Fulfillment(FulfillmentKind.PICKUP, "w1"), context);
        var noLine = await cart.SetLineQuantity("L99", 1, context);
        var noCart = await Grains.GetGrain<ICartGrain>(Guid.NewGuid()).AddLine(sku, 1, Fulfillment.Ship, context);

        Assert.Equal(ErrorCode.INVALID_ARGUMENT, zero.Errors.Single().Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, tooBig.Errors.Single().Code);
        Assert.Equal(ErrorCode.NOT_FOUND, unknownSku.Errors.Single().Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, pickupNowhere.Errors.Single().Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, pickupAtWarehouse.Errors.Single().Code);
        Assert.Equal(ErrorCode.NOT_FOUND, noLine.Errors.Single().Code);
        Assert.Equal(ErrorCode.NOT_FOUND, noCart.Errors.Single().Code);
        Assert.Null(noCart.Cart);
        Assert.Equal(1, (await cart.Get())!.Version);
    }

    [Fact]
    public async Task Concurrent_edits_from_two_channels_all_land_in_order_but_a_stale_expected_version_is_refused()
    {
        var customer = $"c-{Guid.NewGuid():N}";
        var web = await Session(Channel.WEB, customer);
        var skus = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Stocked()));
        var cart = Grains.GetGrain<ICartGrain>(web.CartId);
        var start = (await cart.Get())!.Version;

        // Without expectedVersion: last writer wins per line, nothing is lost.
        var edits = await Task.WhenAll(skus.Select((sku, i) => cart.AddLine(sku, 1, Fulfillment.Ship, new ChangeContext(i % 2 == 0 ? Channel.WEB : Channel.APP))));
        // With it: both channels saw the same version; only the first to arrive wins.
        var seen = (await cart.Get())!.Version;
        var both = await Task.WhenAll(
            cart.AddLine(skus[0], 1, Fulfillment.Ship, new ChangeContext(Channel.WEB, seen)),
            cart.AddLine(skus[1], 1, Fulfillment.Ship, new ChangeContext(Channel.APP, seen)));

        Assert.All(edits, e => Assert.True(e.Succeeded));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => start + i).Order(), edits.Select(e => e.Cart!.Version).Order());
        Assert.Single(both, r => r.Succeeded);
        var loser = both.Single(r => !r.Succeeded);
        Assert.Equal(ErrorCode.VERSION_CONFLICT, loser.Errors.Single().Code);
        Assert.Equal(seen + 1, (await cart.Get())!.Version);
        Assert.Equal(7, (await cart.Get())!.ItemCount);
    }

    [Fact]
    public async Task Sign_in_merges_the_anonymous_cart_adding_up_overlapping_lines_within_stock()
    {
        var customer = $"c-{Guid.NewGuid():N}";
        var both = await Stocked(warehouse: 0, berlin: 5);
        var scarce = await Stocked(warehouse: 0, berlin: 3);
        var onlyAnonymous = await Stocked();
        var laptop = await Session(Channel.WEB, customer);
        var customerCart = Grains.GetGrain<ICartGrain>(laptop.CartId);
        await customerCart.AddLine(both, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        await customerCart.AddLine(scarce, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        var phone = await Session(Channel.APP, null);
        var anonymous = Grains.GetGrain<ICartGrain>(phone.CartId);
        await anonymous.AddLine(both, 1, PickupBerlin, new ChangeContext(Channel.APP));
        await anonymous.AddLine(onlyAnonymous, 1, Fulfillment.Ship, new ChangeContext(Channel.APP));
        await anonymous.AddLine(scarce, 1, PickupBerlin, new ChangeContext(Channel.APP));
        // Time passes and every hold lapses; meanwhile the till sells one of the scarce units,
        // so the merge has to hold again and can keep only what is left.
        fixture.Cluster.Clock.Advance(TimeSpan.FromMinutes(16));
        await Grains.Inventory("s1", scarce).ExpireDue();
        Assert.True((await Grains.Inventory("s1", scarce).RecordSale($"till-{Guid.NewGuid():N}", 1)).Succeeded);

        var signedIn = await Grains.GetGrain<ISessionGrain>(phone.Id).AttachCustomer(customer);

        var merged = (await customerCart.Get())!;
        Assert.Equal(laptop.CartId, signedIn.Session!.CartId);
        Assert.Equal(3, merged.Lines.Single(l => l.Sku == both).Quantity);
        Assert.Equal(1, merged.Lines.Single(l => l.Sku == onlyAnonymous).Quantity);
        Assert.Equal(2, merged.Lines.Single(l => l.Sku == scarce).Quantity);
        Assert.All(merged.Lines, l => Assert.NotNull(l.ReservationId));
        Assert.Contains(signedIn.Errors, e => e.Code == ErrorCode.INSUFFICIENT_STOCK && e.Message.Contains(scarce));
        Assert.Equal(3, (await Grains.Inventory("s1", both).GetStock()).Reserved);
        Assert.Equal(laptop.CartId, (await anonymous.Get())!.MergedInto);
        Assert.Empty((await anonymous.Get())!.Lines);
        Assert.Equal(ErrorCode.CONFLICT, (await anonymous.AddLine(both, 1, PickupBerlin, new ChangeContext(Channel.APP))).Errors.Single().Code);
    }

    [Fact]
    public async Task A_lapsed_hold_shows_on_the_line_reaches_subscribers_and_the_stock_is_back()
    {
        var sku = await Stocked(warehouse: 0, berlin: 2);
        var cart = Grains.GetGrain<ICartGrain>((await Session(Channel.WEB, null)).CartId);
        var added = await cart.AddLine(sku, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        var watcher = new CartWatcher();
        await cart.Subscribe(Grains.CreateObjectReference<ICartObserver>(watcher));

        fixture.Cluster.Clock.Advance(TimeSpan.FromMinutes(16));
        var stock = await Grains.Inventory("s1", sku).ExpireDue();
        var refreshed = await cart.RefreshHolds();

        var line = refreshed!.Lines.Single();
        Assert.Null(line.ReservationId);
        Assert.True(line.ReservedUntil < fixture.Cluster.Clock.GetUtcNow());
        Assert.Equal(2, stock.Available);
        var heard = await watcher.WaitFor(c => c.Version > added.Cart!.Version);
        Assert.Null(heard.Lines.Single().ReservationId);
    }

    [Fact]
    public async Task Checkout_commits_the_holds_into_an_order_and_a_retry_returns_the_same_order()
    {
        var customer = $"c-{Guid.NewGuid():N}";
        var session = await Session(Channel.WEB, customer);
        var sku = await Stocked(warehouse: 10, berlin: 5);
        var cart = Grains.GetGrain<ICartGrain>(session.CartId);
        await cart.AddLine(sku, 3, Fulfillment.Ship, new ChangeContext(Channel.WEB));
        await cart.AddLine(sku, 2, PickupBerlin, new ChangeContext(Channel.WEB));

        var first = await cart.Checkout("key-1", Channel.WEB);
        var again = await cart.Checkout("key-1", Channel.WEB);
        var other = await cart.Checkout("key-2", Channel.WEB);

        Assert.True(first.Succeeded, first.Errors.FirstOrDefault()?.Message);
        Assert.Equal(OrderStatus.PLACED, first.Order!.Status);
        Assert.Equal(5 * 12.50m, first.Order.Total);
        Assert.Equal(first.Order.Id, again.Order!.Id);
        Assert.Equal(ErrorCode.ALREADY_CHECKED_OUT, other.Errors.Single().Code);
        Assert.True(first.Cart!.CheckedOut);
        Assert.Equal((7, 0), ((await Grains.Inventory("w1", sku).GetStock()).OnHand, (await Grains.Inventory("w1", sku).GetStock()).Reserved));
        Assert.Equal((3, 0), ((await Grains.Inventory("s1", sku).GetStock()).OnHand, (await Grains.Inventory("s1", sku).GetStock()).Reserved));
        var after = await Grains.GetGrain<ICustomerGrain>(customer).Get();
        Assert.NotEqual(session.CartId, after.CartId);
        Assert.Contains(first.Order.Id, after.Orders);
        Assert.Empty((await Grains.GetGrain<ICartGrain>(after.CartId).Get())!.Lines);
        Assert.Equal(after.CartId, (await Grains.GetGrain<ISessionGrain>(session.Id).Get())!.CartId);
    }

    [Fact]
    public async Task Checkout_holds_a_lapsed_line_again_or_fails_and_releases_what_it_took()
    {
        var plenty = await Stocked(warehouse: 0, berlin: 5);
        var gone = await Stocked(warehouse: 0, berlin: 1);
        var cart = Grains.GetGrain<ICartGrain>((await Session(Channel.WEB, null)).CartId);
        await cart.AddLine(plenty, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        await cart.AddLine(gone, 1, PickupBerlin, new ChangeContext(Channel.WEB));
        fixture.Cluster.Clock.Advance(TimeSpan.FromMinutes(16));
        await Grains.Inventory("s1", plenty).ExpireDue();
        await Grains.Inventory("s1", gone).ExpireDue();
        await Grains.Inventory("s1", gone).RecordSale($"till-{Guid.NewGuid():N}", 1);

        var failed = await cart.Checkout("k", Channel.WEB);

        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, failed.Errors.Single().Code);
        Assert.Contains(gone, failed.Errors.Single().Message);
        Assert.Equal(0, (await Grains.Inventory("s1", plenty).GetStock()).Reserved);
        Assert.False((await cart.Get())!.CheckedOut);

        var line = (await cart.Get())!.Lines.Single(l => l.Sku == gone);
        await cart.RemoveLine(line.Id, new ChangeContext(Channel.WEB));
        var retried = await cart.Checkout("k", Channel.WEB);

        Assert.True(retried.Succeeded, retried.Errors.FirstOrDefault()?.Message);
        Assert.Equal(3, (await Grains.Inventory("s1", plenty).GetStock()).OnHand);
    }

    [Fact]
    public async Task When_the_order_cannot_commit_a_hold_it_undoes_itself_and_the_cart_holds_its_lines_again()
    {
        var first = await Stocked(warehouse: 0, berlin: 4);
        var second = await Stocked(warehouse: 0, berlin: 4);
        var cart = Grains.GetGrain<ICartGrain>((await Session(Channel.WEB, null)).CartId);
        await cart.AddLine(first, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        await cart.AddLine(second, 2, PickupBerlin, new ChangeContext(Channel.WEB));
        var lines = (await cart.Get())!.Lines;
        // Staff release the second line's hold behind the cart's back: the order's commit of it fails.
        Assert.True((await Grains.Inventory("s1", second).Release(lines[1].ReservationId!)).Succeeded);

        var failed = await cart.Checkout("k", Channel.WEB);

        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, failed.Errors.Single().Code);
        Assert.Equal(OrderStatus.CANCELLED, failed.Order!.Status);
        Assert.Equal((4, 2), ((await Grains.Inventory("s1", first).GetStock()).OnHand, (await Grains.Inventory("s1", first).GetStock()).Reserved));
        Assert.Equal((4, 2), ((await Grains.Inventory("s1", second).GetStock()).OnHand, (await Grains.Inventory("s1", second).GetStock()).Reserved));
        Assert.All(failed.Cart!.Lines, l => Assert.NotNull(l.ReservationId));

        var retried = await cart.Checkout("k", Channel.WEB);

        Assert.True(retried.Succeeded, retried.Errors.FirstOrDefault()?.Message);
        Assert.NotEqual(failed.Order.Id, retried.Order!.Id);
        Assert.Equal(2, (await Grains.Inventory("s1", second).GetStock()).OnHand);
    }

    [Fact]
    public async Task Cancelling_an_order_returns_the_units_where_they_were_taken()
    {
        var sku = await Stocked(warehouse: 4, berlin: 0);
        var cart = Grains.GetGrain<ICartGrain>((await Session(Channel.WEB, null)).CartId);
        await cart.AddLine(sku, 3, Fulfillment.Ship, new ChangeContext(Channel.WEB));
        var order = (await cart.Checkout("k", Channel.WEB)).Order!;

        var cancelled = await Grains.GetGrain<IOrderGrain>(order.Id).Cancel();
        var again = await Grains.GetGrain<IOrderGrain>(order.Id).Cancel();

        Assert.Equal(OrderStatus.CANCELLED, cancelled.Order!.Status);
        Assert.True(again.Succeeded);
        Assert.Equal((4, 4), ((await Grains.Inventory("w1", sku).GetStock()).OnHand, (await Grains.Inventory("w1", sku).GetStock()).Available));
    }

    private sealed class CartWatcher : ICartObserver
    {
        private readonly System.Threading.Channels.Channel<CartView> _carts = System.Threading.Channels.Channel.CreateUnbounded<CartView>();

        public Task CartChanged(CartView cart) => _carts.Writer.WriteAsync(cart).AsTask();

        public async Task<CartView> WaitFor(Func<CartView, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await foreach (var cart in _carts.Reader.ReadAllAsync(timeout.Token))
            {
                if (match(cart))
                {
                    return cart;
                }
            }
            throw new TimeoutException("no matching cart change");
        }
    }
}
