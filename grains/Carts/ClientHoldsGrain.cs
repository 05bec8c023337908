using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Omni.Hosting;

namespace Omni.Carts;

/// <summary>
/// What one client holds over all its anonymous carts (issue 12, item 7): the cap that the
/// per-cart cap (<see cref="CartOptions.MaxAnonymousUnits"/>) cannot be, since one client may
/// start any number of anonymous sessions. Kept in memory on purpose: it bounds abuse, it records
/// nothing anyone is owed. Each cart's entry ends when its holds must have ended
/// (<see cref="CartOptions.MaxHoldLifetime"/> after its last claim or report), so a cart that never
/// reports again cannot block its client for longer; the activation stays up while any entry does.
/// A silo that dies forgets its counts; the per-cart cap and the hold lifetime still bound what
/// is held until the carts claim again.
/// </summary>
public sealed class ClientHoldsGrain(
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<CartOptions> options) : Grain, IClientHoldsGrain
{
    // At most MaxAnonymousUnitsPerClient entries: each holds at least one unit and claims beyond the cap are refused.
    private readonly Dictionary<Guid, (int Units, DateTimeOffset Until)> _carts = [];

    public Task<int?> Claim(Guid cartId, int units, DateTimeOffset until)
    {
        var now = clock.GetUtcNow();
        var others = 0;
        foreach (var (id, entry) in _carts)
        {
            if (id != cartId && entry.Until > now)
            {
                others += entry.Units;
            }
        }
        if (others + units > options.Value.MaxAnonymousUnitsPerClient)
        {
            return Task.FromResult<int?>(others);
        }
        Set(cartId, units, until, now);
        return Task.FromResult<int?>(null);
    }

    public Task Report(Guid cartId, int units, DateTimeOffset until)
    {
        // A report only lowers what a cart claimed; raising it takes a claim, which the cap checks.
        if (units <= 0 || (_carts.TryGetValue(cartId, out var entry) && units <= entry.Units))
        {
            Set(cartId, units, until, clock.GetUtcNow());
        }
        return Task.CompletedTask;
    }

    private void Set(Guid cartId, int units, DateTimeOffset until, DateTimeOffset now)
    {
        if (units > 0)
        {
            _carts[cartId] = (units, until);
        }
        else
        {
            _carts.Remove(cartId);
        }
        var last = now;
        foreach (var (id, entry) in _carts)
        {
            if (entry.Until <= now)
            {
                _carts.Remove(id);
            }
            else if (entry.Until > last)
            {
                last = entry.Until;
            }
        }
        if (last > now)
        {
            DelayDeactivation(last - now);
        }
    }
}
