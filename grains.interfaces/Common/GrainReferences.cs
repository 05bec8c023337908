namespace Omni.Common;

/// <summary>
/// <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> without its per-call reflection. Orleans 10 resolves
/// the interface's <see cref="GrainInterfaceType"/> on every call (reading its attributes, then
/// formatting its name by convention) and nothing caches it: profiles of the silo during the cart
/// benchmark put 8 % of its working CPU there, the API's 3 %. Here each interface is resolved
/// once, through Orleans' own <c>GetGrain</c>, and every later reference is built from the
/// resolved grain and interface types, so it is the same reference <c>GetGrain</c> would return.
/// </summary>
public static class GrainReferences
{
    public static T Ref<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var types = Types<T>.Resolved ??= Resolve(grains.GetGrain<T>("-"));
        return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
    }

    public static T Ref<T>(this IGrainFactory grains, Guid key) where T : IGrainWithGuidKey
    {
        var types = Types<T>.Resolved ??= Resolve(grains.GetGrain<T>(Guid.Empty));
        return (T)grains.GetGrain(GrainId.Create(types.Grain, GrainIdKeyExtensions.CreateGuidKey(key)), types.Interface);
    }

    public static T Ref<T>(this IGrainFactory grains, long key) where T : IGrainWithIntegerKey
    {
        var types = Types<T>.Resolved ??= Resolve(grains.GetGrain<T>(0));
        return (T)grains.GetGrain(GrainId.Create(types.Grain, GrainIdKeyExtensions.CreateIntegerKey(key)), types.Interface);
    }

    private static ResolvedTypes Resolve(IAddressable sample)
    {
        var reference = (GrainReference)sample;
        return new ResolvedTypes(reference.GrainId.Type, reference.InterfaceType);
    }

    /// <summary>A class, not a struct: threads resolving at once publish it whole (a reference write), never torn.</summary>
    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    /// <summary>One grain interface's types, the same in every silo and client of a process (they come from its assemblies).</summary>
    private static class Types<T>
    {
        public static ResolvedTypes? Resolved;
    }
}
