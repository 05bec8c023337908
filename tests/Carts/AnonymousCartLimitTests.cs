using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Omni.Carts;
using Omni.Catalog;
using Omni.Inventory;
using Omni.Sessions;

namespace Omni.Tests.Carts;

/// <summary>
/// Issue 12, item 7: anonymous carts cannot hold stock forever. A hold lasts at most
/// MaxHoldLifetime from when it was taken however busy its cart is, an anonymous cart holds at
/// most MaxAnonymousUnits, one client's anonymous carts together at most
/// MaxAnonymousUnitsPerClient, and anonymous carts and sessions nobody came back to are deleted.
/// </summary>
[Trait("Tier", "Cluster")]
public sealed class AnonymousCartLimitTests : IAsyncLifetime
{
    private static readonly Fulfillment PickupBerlin = new(FulfillmentKind.PICKUP, "s1");
    private TestDatabase _db = null!;
    private OmniTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Grains;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.Create();
        _cluster = await OmniTestCluster.Start(_db, settings: new()
        {
            ["Carts:HoldFor"] = "00:10:00",
            ["Carts:MaxHoldLifetime"] = "00:25:00",
            ["Carts:MaxAnonymousUnits"] = "5",
            ["Carts:MaxAnonymousUnitsPerClient"] = "8",
        });
        await InventoryFixture.DefineNetwork(Grains);
    }

    private async Task<string> Stocked(int berlin)
    {
        var sku = $"A-{Guid.NewGuid():N}"[..16];
        Assert.Null(await Grains.GetGrain<IProductGrain>(sku).Define("Anonymous test " + sku, 3m, "EUR"));
        Assert.True((await Grains.Inventory("s1", sku).Receive("m", berlin)).Succeeded);
        return sku;
    }

    [Fact]
    public async Task A_busy_anonymous_cart_keeps_its_hold_no_longer_than_the_maximum_lifetime()
    {
        var sku = await Stocked(berlin: 10);
        var session = await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, null);
        var cart = Grains.GetGrain<ICartGrain>(session.CartId);
        var context = new ChangeContext(Channel.WEB);
        var takenAt = _cluster.Clock.GetUtcNow();
        var added = await cart.AddLine(sku, 1, PickupBerlin, context);
        Assert.True(added.Succeeded, added.Errors.FirstOrDefault()?.Message);
        var lineId = added.Cart!.Lines[0].Id;

        // Activity every 6 minutes for 36 minutes: each change renews holds past half their 10 minutes.
        for (var minute = 6; minute <= 36; minute += 6)
        {
            _cluster.Clock.Advance(TimeSpan.FromMinutes(6));
            var touched = await cart.SetLineQuantity(lineId, minute % 12 == 0 ? 1 : 2, context);
            Assert.True(touched.Succeeded || touched.Errors.All(e => e.Code == ErrorCode.INSUFFICIENT_STOCK), touched.Errors.FirstOrDefault()?.Message);
            var line = touched.Cart!.Lines.Single();
            if (minute <= 24)
            {
                Assert.Equal(takenAt, line.HeldSince);
                Assert.True(line.ReservedUntil <= takenAt + TimeSpan.FromMinutes(25) + Limits.MinHold,
                    $"at minute {minute} the hold runs until {line.ReservedUntil}, past its 25 minutes");
            }
        }

        // 36 minutes after it was taken, the first hold has lapsed whatever the cart did.
        var level = await Grains.Inventory("s1", sku).ExpireDue();
        var view = await cart.Get();
        Assert.DoesNotContain(view!.Lines, l => l.HeldSince == takenAt && l.ReservedUntil > _cluster.Clock.GetUtcNow());
        Assert.Equal(10, level.OnHand);
        Assert.True(level.Reserved <= 2, $"{level.Reserved} units still held");
    }

    [Fact]
    public async Task An_anonymous_cart_holds_at_most_its_cap_of_units_and_a_customers_cart_is_not_capped()
    {
        var sku = await Stocked(berlin: 50);
        var other = await Stocked(berlin: 50);
        var anonymous = Grains.GetGrain<ICartGrain>((await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, null)).CartId);
        var customer = Grains.GetGrain<ICartGrain>((await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, $"c-{Guid.NewGuid():N}")).CartId);
        var context = new ChangeContext(Channel.WEB);

        var first = await anonymous.AddLine(sku, 3, PickupBerlin, context);
        var tooMany = await anonymous.AddLine(other, 3, PickupBerlin, context);
        var grown = await anonymous.SetLineQuantity(first.Cart!.Lines[0].Id, 6, context);
        var fits = await anonymous.AddLine(other, 2, PickupBerlin, context);
        var customers = await customer.AddLine(sku, 20, PickupBerlin, new ChangeContext(Channel.WEB, Actor: null));

        Assert.True(first.Succeeded);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, tooMany.Errors.Single().Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, grown.Errors.Single().Code);
        Assert.True(fits.Succeeded, fits.Errors.FirstOrDefault()?.Message);
        Assert.True(customers.Succeeded, customers.Errors.FirstOrDefault()?.Message);
        Assert.Equal(50 - 3 - 20, (await Grains.Inventory("s1", sku).GetStock()).Available);
        Assert.Equal(50 - 2, (await Grains.Inventory("s1", other).GetStock()).Available);
    }

    [Fact]
    public async Task One_clients_anonymous_carts_together_hold_at_most_its_cap_and_what_they_give_back_or_let_lapse_is_free_again()
    {
        var sku = await Stocked(berlin: 100);
        async Task<ICartGrain> Anonymous() =>
            Grains.GetGrain<ICartGrain>((await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, null)).CartId);
        var (first, second, third, elsewhere) = (await Anonymous(), await Anonymous(), await Anonymous(), await Anonymous());
        var client = new ChangeContext(Channel.WEB, Client: $"ip:192.0.2.{Random.Shared.Next(1, 250)}");
        var otherClient = client with { Client = client.Client + "0" };

        var five = await first.AddLine(sku, 5, PickupBerlin, client);
        var three = await second.AddLine(sku, 3, PickupBerlin, client);
        var overCap = await third.AddLine(sku, 1, PickupBerlin, client);
        var grownOverCap = await second.SetLineQuantity(three.Cart!.Lines[0].Id, 4, client);
        var otherClients = await elsewhere.AddLine(sku, 5, PickupBerlin, otherClient);

        Assert.True(five.Succeeded && three.Succeeded, string.Join("; ", five.Errors.Concat(three.Errors).Select(e => e.Message)));
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, overCap.Errors.Single().Code);
        Assert.Contains("other carts hold 8", overCap.Errors.Single().Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, grownOverCap.Errors.Single().Code);
        Assert.Equal(3, grownOverCap.Cart!.Lines.Single().Quantity);
        Assert.True(otherClients.Succeeded, otherClients.Errors.FirstOrDefault()?.Message);
        Assert.Equal(100 - 5 - 3 - 5, (await Grains.Inventory("s1", sku).GetStock()).Available);

        // Units a cart gives back count no more (the cart tells the client's count one-way, so poll).
        var lowered = await first.SetLineQuantity(five.Cart!.Lines[0].Id, 2, client);
        Assert.True(lowered.Succeeded, lowered.Errors.FirstOrDefault()?.Message);
        var fits = await Eventually.Get(() => third.AddLine(sku, 3, PickupBerlin, client), r => r.Succeeded, TimeSpan.FromSeconds(10),
            "a cart fits the units another cart of its client gave back");
        Assert.True(fits.Succeeded, fits.Errors.FirstOrDefault()?.Message);
        Assert.False((await third.SetLineQuantity(fits.Cart!.Lines[0].Id, 4, client)).Succeeded);

        // A cart that never speaks again cannot block its client past the longest a hold can last.
        _cluster.Clock.Advance(TimeSpan.FromMinutes(26));
        var afterLapse = await Anonymous();
        var full = await afterLapse.AddLine(sku, 5, PickupBerlin, client);
        Assert.True(full.Succeeded, full.Errors.FirstOrDefault()?.Message);
    }

    [Fact]
    public async Task Anonymous_carts_and_sessions_nobody_came_back_to_are_deleted_and_customers_are_kept()
    {
        var sku = await Stocked(berlin: 10);
        var anonymousSession = await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, null);
        var customerSession = await Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, $"c-{Guid.NewGuid():N}");
        Assert.True((await Grains.GetGrain<ICartGrain>(anonymousSession.CartId).AddLine(sku, 1, PickupBerlin, new ChangeContext(Channel.WEB))).Succeeded);
        Assert.True((await Grains.GetGrain<ICartGrain>(customerSession.CartId).AddLine(sku, 1, PickupBerlin, new ChangeContext(Channel.WEB))).Succeeded);
        var sale = await Grains.Inventory("s1", sku).RecordSale($"old-sale-{Guid.NewGuid():N}", 1);
        Assert.True(sale.Succeeded);
        var anonymousStreams = new[] { $"cart/{anonymousSession.CartId:N}", $"session/{anonymousSession.Id}" };
        var customerStreams = new[] { $"cart/{customerSession.CartId:N}", $"session/{customerSession.Id}" };
        Assert.Equal(2, await Count("SELECT count(*) FROM omni_stream WHERE stream = ANY($1)", anonymousStreams));
        // As if nobody had written to them, or sold anything, for a long time.
        await Execute("UPDATE omni_stream SET updated_at = now() - interval '8 days' WHERE stream = ANY($1)", [.. anonymousStreams, .. customerStreams]);
        await Execute("UPDATE omni_inventory_movement_id SET at = now() - interval '2 days' WHERE sku = ANY($1)", [sku]);
        var sweeper = _cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<AbandonedCartSweeper>();

        var (streams, ids) = await sweeper.Sweep(TimeSpan.FromDays(7), TimeSpan.FromDays(1));

        Assert.True(streams >= 2, $"{streams} streams deleted");
        Assert.True(ids >= 2, $"{ids} movement ids deleted"); // the receipt and the sale
        Assert.Equal(0, await Count("SELECT count(*) FROM omni_stream WHERE stream = ANY($1)", anonymousStreams));
        Assert.Equal(0, await Count("SELECT count(*) FROM omni_commit WHERE stream = ANY($1)", anonymousStreams));
        Assert.Equal(2, await Count("SELECT count(*) FROM omni_stream WHERE stream = ANY($1)", customerStreams));
    }

    private async Task<long> Count(string sql, string[] streams)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task Execute(string sql, string[] values)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = values });
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }
}
