using System.Collections.Concurrent;
using Omni.Carts;
using Omni.Inventory;
using Omni.Sessions;

namespace Omni.Tests.Carts;

/// <summary>Every version of a busy cart reaches an observer, in order: the grain side of the live promise (rule 6).</summary>
[Collection(InventoryCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class CartObserverOrderTests(InventoryFixture fixture)
{
    [Fact]
    public async Task A_cart_changed_back_to_back_notifies_every_version_in_order()
    {
        var sku = await fixture.NewSku();
        await fixture.Grains.Inventory("w1", sku).Receive("m", 10_000);
        var session = await fixture.Grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString()).Start(Channel.WEB, null);
        var cart = fixture.Grains.GetGrain<ICartGrain>(session.CartId);
        var watcher = new Watcher();
        var reference = fixture.Grains.CreateObjectReference<ICartObserver>(watcher);
        await cart.Subscribe(reference);

        var acknowledged = new List<long>();
        for (var i = 0; i < 400; i++)
        {
            var result = i % 3 == 2 && (await cart.Get())!.Lines.Count > 0
                ? await cart.RemoveLine((await cart.Get())!.Lines[0].Id, new ChangeContext(Channel.WEB))
                : await cart.AddLine(sku, 1, Fulfillment.Ship, new ChangeContext(Channel.WEB));
            Assert.True(result.Succeeded, result.Errors.FirstOrDefault()?.Message);
            acknowledged.Add(result.Cart!.Version);
        }
        await Eventually.True(() => Task.FromResult(watcher.Versions.Contains(acknowledged[^1])), TimeSpan.FromSeconds(30), "the last version arrives");

        var seen = watcher.Versions.ToList();
        Assert.Equal(seen.Order(), seen);
        Assert.Empty(acknowledged.Except(seen));
        GC.KeepAlive(watcher);
    }

    private sealed class Watcher : ICartObserver
    {
        public ConcurrentQueue<long> Versions { get; } = new();

        public Task CartChanged(CartView cart)
        {
            Versions.Enqueue(cart.Version);
            return Task.CompletedTask;
        }
    }
}
