using Omni.Carts;
using Omni.Common;
using Omni.Sessions;
using Omni.Transfers;

namespace Omni.Tests.Foundation;

/// <summary>
/// <see cref="GrainReferences.Ref{T}(IGrainFactory, string)"/> builds references from types it
/// resolved once: they must be the very references Orleans' GetGrain gives, for each kind of key,
/// and calls through them must reach the grain.
/// </summary>
[Trait("Tier", "Cluster")]
public sealed class GrainReferencesTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private OmniTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Grains;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.Create();
        _cluster = await OmniTestCluster.Start(_db);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_reference_is_the_one_GetGrain_gives_for_string_guid_and_integer_keys_and_reaches_its_grain()
    {
        var sessionId = Guid.NewGuid().ToString();
        AssertSame(Grains.GetGrain<ISessionGrain>(sessionId), Grains.Ref<ISessionGrain>(sessionId));
        var cartId = Guid.NewGuid();
        AssertSame(Grains.GetGrain<ICartGrain>(cartId), Grains.Ref<ICartGrain>(cartId));
        AssertSame(Grains.GetGrain<ITransferDirectoryGrain>(7), Grains.Ref<ITransferDirectoryGrain>(7));
        // Two interfaces resolved one after the other keep their own types.
        Assert.NotEqual(((GrainReference)(object)Grains.Ref<ISessionGrain>("x")).InterfaceType,
            ((GrainReference)(object)Grains.Ref<ICartGrain>(cartId)).InterfaceType);

        var session = await Grains.Ref<ISessionGrain>(sessionId).Start(Channel.WEB, null);
        Assert.Equal(session.CartId, (await Grains.GetGrain<ISessionGrain>(sessionId).Get())!.CartId);
        Assert.Equal(session.CartId, (await Grains.Ref<ICartGrain>(session.CartId).Get())!.Id);
    }

    [Fact]
    public void A_blank_string_key_is_refused_as_GetGrain_refuses_it()
    {
        Assert.ThrowsAny<ArgumentException>(() => Grains.GetGrain<ISessionGrain>(" "));
        Assert.ThrowsAny<ArgumentException>(() => Grains.Ref<ISessionGrain>(" "));
    }

    private static void AssertSame(IAddressable expected, IAddressable actual)
    {
        var (e, a) = ((GrainReference)expected, (GrainReference)actual);
        Assert.Equal(e.GrainId, a.GrainId);
        Assert.Equal(e.InterfaceType, a.InterfaceType);
        Assert.Equal(e.GetType(), a.GetType());
    }
}
