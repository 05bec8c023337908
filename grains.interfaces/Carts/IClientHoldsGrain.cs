namespace Omni.Carts;

/// <summary>
/// The units one client holds over all its anonymous carts, keyed by the client as the API counts
/// it for its rate limit (<c>ip:&lt;address&gt;</c> for an anonymous caller). A cart claims its new
/// total before it holds more and reports whenever it holds fewer; the client's carts together hold
/// at most <c>Omni:Carts:MaxAnonymousUnitsPerClient</c> units.
/// </summary>
[Alias("Omni.Carts.IClientHoldsGrain")]
public interface IClientHoldsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Counts <paramref name="units"/> for <paramref name="cartId"/> until <paramref name="until"/>
    /// if the client's other carts and this one stay within the cap: null. Otherwise nothing
    /// changes and the answer is what the client's other carts hold.
    /// </summary>
    [Alias("Claim")]
    Task<int?> Claim(Guid cartId, int units, DateTimeOffset until);

    /// <summary>What <paramref name="cartId"/> holds now, when it is no more than it claimed (0: nothing).</summary>
    [Alias("Report"), OneWay]
    Task Report(Guid cartId, int units, DateTimeOffset until);
}
