using Omni.Api.Live;

namespace Omni.Tests.Wallets;

/// <summary>Observer callbacks that arrive swapped are published in version order; a gap that never fills is passed after a bounded wait.</summary>
[Trait("Tier", "Unit")]
public sealed class InVersionOrderTests
{
    private sealed record State(long Version);

    [Fact]
    public void Swapped_arrivals_are_published_in_order_and_a_stale_one_is_dropped()
    {
        var published = new List<long>();
        var order = new InVersionOrder<State>(s => s.Version, s => published.Add(s.Version));
        order.From(0);

        foreach (var v in new long[] { 1, 3, 4, 2, 2, 5, 1 })
        {
            order.Add(new State(v));
        }

        Assert.Equal([1, 2, 3, 4, 5], published);
    }

    [Fact]
    public async Task A_gap_that_never_fills_is_passed_after_the_wait_and_a_flood_at_once()
    {
        var published = new List<long>();
        var order = new InVersionOrder<State>(s => s.Version, s => { lock (published) { published.Add(s.Version); } });
        order.From(0);
        order.Add(new State(1));
        order.Add(new State(3));
        order.Add(new State(4));

        var afterWait = await Eventually.Get(() => Task.FromResult(Snapshot(published)), p => p.Count == 3, TimeSpan.FromSeconds(10), "the gap is passed");
        for (var v = 6; v <= 6 + InVersionOrder<State>.MaxEarly; v++)
        {
            order.Add(new State(v));
        }

        Assert.Equal([1, 3, 4], afterWait);
        Assert.Equal([1, 3, 4, .. Enumerable.Range(6, InVersionOrder<State>.MaxEarly + 1).Select(v => (long)v)], Snapshot(published));
    }

    /// <summary>Found by the wallet load run: the first two changes after subscribing arrived swapped, and the first was lost.</summary>
    [Fact]
    public void What_arrives_before_the_grain_said_where_the_observer_starts_waits_and_comes_out_in_order()
    {
        var published = new List<long>();
        var order = new InVersionOrder<State>(s => s.Version, s => published.Add(s.Version));

        order.Add(new State(3));
        order.Add(new State(2));
        var beforeFrom = published.ToList();
        order.From(1);
        order.From(0); // a renewal answered late changes nothing
        order.Add(new State(4));

        Assert.Empty(beforeFrom);
        Assert.Equal([2, 3, 4], published);
    }

    /// <summary>Found by the third wallet load run: a renewal answered with the grain's version while changes before it were still on their way, and they were skipped.</summary>
    [Fact]
    public void A_renewal_answered_ahead_of_changes_still_on_their_way_skips_none_of_them()
    {
        var published = new List<long>();
        var order = new InVersionOrder<State>(s => s.Version, s => published.Add(s.Version));
        order.From(5);
        order.Add(new State(6));

        order.From(9);
        order.Add(new State(8));
        order.Add(new State(7));
        order.Add(new State(9));

        Assert.Equal([6, 7, 8, 9], published);
    }

    private static List<long> Snapshot(List<long> published)
    {
        lock (published)
        {
            return [.. published];
        }
    }
}
