using Microsoft.Extensions.DependencyInjection;
using Omni.Carts;
using Omni.Inventory;
using Omni.Customers;
using Omni.Orders;
using Omni.Sessions;
using Orleans.Providers;
using Orleans.Storage;

namespace Omni.Tests.Carts;

/// <summary>
/// Upgrade in place: carts, orders, sessions and customers that an earlier version stored whole
/// in Orleans' grain storage are found, brought into the journal, and carry on from there.
/// </summary>
[Trait("Tier", "Cluster")]
public sealed class JournalUpgradeTests
{
    [Fact]
    public async Task State_stored_by_the_previous_version_is_kept_and_carries_on_in_the_journal()
    {
        await using var db = await TestDatabase.Create();
        await using var cluster = await OmniTestCluster.Start(db);
        await InventoryFixture.DefineNetwork(cluster.Grains);
        var storage = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var sku = $"UP-{Guid.NewGuid():N}"[..16];
        await cluster.Grains.GetGrain<Omni.Catalog.IProductGrain>(sku).Define("Upgraded", 3m, "EUR");
        await cluster.Grains.Inventory("w1", sku).Receive("m", 10);

        // What the previous version wrote: a customer with a cart of one line, a placed order, a session.
        var cartId = Guid.NewGuid();
        var orderId = Guid.NewGuid();
        var customerId = $"c-{Guid.NewGuid():N}";
        var at = cluster.Clock.GetUtcNow();
        var line = new CartLine("L1", sku, 2, FulfillmentKind.SHIP, "w1", null, at.AddMinutes(-1), 3m, "EUR");
        await Write(storage, "cart", cluster.Grains.GetGrain<ICartGrain>(cartId), new CartStateV1
        {
            Opened = true, CustomerId = customerId, Version = 7, Lines = [line], UpdatedAt = at, LastChangedBy = Channel.APP, NextLine = 1,
        });
        await Write(storage, "order", cluster.Grains.GetGrain<IOrderGrain>(orderId), new OrderStateV1
        {
            Step = SagaStep.Done, Status = OrderStatus.PLACED, CartId = Guid.NewGuid(), CustomerId = customerId, Currency = "EUR", PlacedAt = at,
            Lines = [new OrderLine(sku, 1, FulfillmentKind.SHIP, "w1", 3m, "r-old")], Committed = 1, Version = 3,
        });
        await Write(storage, "customer", cluster.Grains.GetGrain<ICustomerGrain>(customerId), new CustomerStateV1
        {
            CartId = cartId, Sessions = ["old-session"], Orders = [orderId],
        });
        await Write(storage, "session", cluster.Grains.GetGrain<ISessionGrain>("old-session"), new SessionStateV1
        {
            Started = true, Channel = Channel.APP, CustomerId = customerId, CartId = cartId, StartedAt = at, LastSeenAt = at,
        });

        var cart = await cluster.Grains.GetGrain<ICartGrain>(cartId).Get();
        var order = await cluster.Grains.GetGrain<IOrderGrain>(orderId).Get();
        var customer = await cluster.Grains.GetGrain<ICustomerGrain>(customerId).Get();
        var session = await cluster.Grains.GetGrain<ISessionGrain>("old-session").Get();

        Assert.Equal((7L, customerId, Channel.APP), (cart!.Version, cart.CustomerId, cart.LastChangedBy));
        Assert.Equal(line, cart.Lines.Single());
        Assert.Equal((OrderStatus.PLACED, 3L, 3m), (order!.Status, order.Version, order.Total));
        Assert.Equal(cartId, customer.CartId);
        Assert.Equal([orderId], customer.Orders);
        Assert.Equal(["old-session"], customer.Sessions);
        Assert.Equal((customerId, cartId, Channel.APP), (session!.CustomerId, session.CartId, session.Channel));

        // It carries on in the journal: the next change is version 8, and survives a restart of the grain.
        var changed = await cluster.Grains.GetGrain<ICartGrain>(cartId).SetLineQuantity("L1", 3, new ChangeContext(Channel.WEB));
        Assert.True(changed.Succeeded, changed.Errors.FirstOrDefault()?.Message);
        Assert.Equal(8, changed.Cart!.Version);
        Assert.Equal(8, await db.Scalar<long>("SELECT version FROM omni_stream WHERE stream = $1", $"cart/{cartId:N}"));
        Assert.Equal(7, await db.Scalar<long>("SELECT version FROM omni_snapshot WHERE stream = $1", $"cart/{cartId:N}"));
    }

    private static async Task Write<T>(IGrainStorage storage, string stateName, IAddressable grain, T state)
    {
        await storage.WriteStateAsync(stateName, grain.GetGrainId(), new GrainState<T>(state));
    }
}
