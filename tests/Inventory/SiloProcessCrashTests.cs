using System.Collections.Concurrent;
using Omni.Inventory;
using Omni.Tests.Api;

namespace Omni.Tests.Inventory;

/// <summary>
/// A real <c>Omni.Silo</c> process killed with SIGKILL in the middle of a till burst over HTTP,
/// with fewer units than requests so that an oversell or a double grant would show. Every call's
/// outcome is recorded; afterwards the stock ledger in PostgreSQL, the level and a retry of every
/// call are checked against them.
/// </summary>
[Trait("Tier", "Host")]
[Collection(SiloCrashCollection.Name)]
public sealed class SiloProcessCrashTests
{
    private const int Units = 40;
    private const int Tills = 10;
    private const int CallsPerTill = 12;
    private const int KillAfter = 12;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);

    private sealed record Outcome(string Id, bool Sale, string Kind, string Detail)
    {
        public const string Granted = "granted";
        public const string Refused = "INSUFFICIENT_STOCK";
    }

    [Fact]
    public async Task A_silo_killed_mid_burst_oversells_nothing_loses_no_acknowledged_hold_and_grants_none_twice()
    {
        var dev = new Dictionary<string, string> { ["Omni__Auth__DevTokens"] = "true" };
        await using var hosts = await OmniHosts.Start(silos: 1, apis: 1, apiSettings: dev);
        using var first = new ApiClient(hosts.Apis[0].BaseAddress);
        var setup = await OpsClient.Connect(first);
        await setup.DefineNetwork();
        // Received while silo 0 is the only silo: the SKU's inventory grain lives on the silo that will die.
        var sku = await setup.NewProduct(1, ("w1", Units));
        var doomed = hosts.Silos[0];
        await hosts.AddSilo();
        // A node started now knows both gateways, so the burst goes on through the survivor.
        using var api = new ApiClient((await hosts.AddApi(dev)).BaseAddress);
        var ops = await OpsClient.Connect(api);

        var outcomes = new ConcurrentDictionary<string, Outcome>();
        var granted = 0;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedAfterKill = 0;
        // Ten tills, twelve calls each, one after another: mostly holds, every fourth a walk-in sale.
        // Once twelve are granted the tills wait for the kill, so it always lands mid-burst.
        var burst = Enumerable.Range(0, Tills).Select(async till =>
        {
            for (var n = 0; n < CallsPerTill; n++)
            {
                if (Volatile.Read(ref granted) >= KillAfter)
                {
                    await killed.Task;
                }
                if (killed.Task.IsCompleted)
                {
                    Interlocked.Increment(ref startedAfterKill);
                }
                var i = till * CallsPerTill + n;
                var sale = i % 4 == 3;
                var id = sale ? $"sale-{i}" : $"hold-{i}";
                var outcome = await Call(ops, sku, id, sale);
                Assert.True(outcomes.TryAdd(id, outcome), $"{id} called twice");
                if (outcome.Kind == Outcome.Granted)
                {
                    Interlocked.Increment(ref granted);
                }
            }
        }).ToList();
        await Eventually.True(() => Task.FromResult(Volatile.Read(ref granted) >= KillAfter), Deadline, "part of the burst is granted");
        doomed.Kill();
        killed.SetResult();
        await Task.WhenAll(burst);
        Assert.Equal(137, await doomed.WaitForExit(TimeSpan.FromSeconds(30)));

        // Every call has exactly one recorded outcome, and each is one a client can act on.
        Assert.Equal(Tills * CallsPerTill, outcomes.Count);
        var unknown = outcomes.Values.Where(o => o.Kind is not (Outcome.Granted or Outcome.Refused)).ToList();
        Assert.All(unknown, o => Assert.True(o.Kind == "UNAVAILABLE" || o.Kind.StartsWith("transport:", StringComparison.Ordinal),
            $"{o.Id}: {o.Kind} {o.Detail} (a failure the caller did not cause must be UNAVAILABLE, never INTERNAL)"));
        Assert.True(startedAfterKill > 0, "the kill landed before the burst was over");
        var acknowledged = outcomes.Values.Where(o => o.Kind == Outcome.Granted).ToList();
        Assert.InRange(acknowledged.Count, KillAfter, Units);

        // The grain comes back on the survivor; the ledger in PostgreSQL is the truth.
        await Eventually.True(async () => (await api.Send(StockQuery, new { sku })).ErrorCodes.Count == 0, Deadline,
            "the inventory grain answers again, on the survivor");
        var holds = await UnattendedExpiryTests.Ledger(hosts.Database, sku, "reserved");
        var sales = await UnattendedExpiryTests.Ledger(hosts.Database, sku, "sold");
        Assert.Empty(await UnattendedExpiryTests.Ledger(hosts.Database, sku, "released"));
        Assert.Empty(await UnattendedExpiryTests.Ledger(hosts.Database, sku, "expired"));
        // No hold (and no sale) was granted twice: each id appears once in the ledger.
        Assert.Equal(holds.Count, holds.Distinct().Count());
        Assert.Equal(sales.Count, sales.Distinct().Count());
        // Every acknowledged hold and sale is there.
        Assert.Subset(holds.ToHashSet(), acknowledged.Where(o => !o.Sale).Select(o => o.Id).ToHashSet());
        Assert.Subset(sales.ToHashSet(), acknowledged.Where(o => o.Sale).Select(o => o.Id).ToHashSet());
        // Nothing oversold: reserved + sold <= received, and the level is what the ledger says.
        Assert.InRange(holds.Count + sales.Count, acknowledged.Count, Units);
        var level = (await api.Send(StockQuery, new { sku })).Ok()["stock"];
        Assert.Equal((Units - sales.Count, holds.Count), (level.Int("onHand"), level.Int("reserved")));
        Assert.Equal((Units - sales.Count, holds.Count), await LevelRowOnHandReserved(hosts.Database, sku));

        // A retry of every call with its id settles each outcome without granting anything twice:
        // what was acknowledged stays acknowledged, and the level moves only by what had no outcome.
        var retried = await Task.WhenAll(outcomes.Values.OrderBy(o => o.Id, StringComparer.Ordinal).Select(async o => (Before: o, After: await Call(ops, sku, o.Id, o.Sale))));
        Assert.All(retried, r => Assert.Contains(r.After.Kind, new[] { Outcome.Granted, Outcome.Refused }));
        Assert.All(retried.Where(r => r.Before.Kind == Outcome.Granted), r => Assert.Equal(Outcome.Granted, r.After.Kind));
        var grantedAfter = retried.Count(r => r.After.Kind == Outcome.Granted);
        var holdsAfter = await UnattendedExpiryTests.Ledger(hosts.Database, sku, "reserved");
        var salesAfter = await UnattendedExpiryTests.Ledger(hosts.Database, sku, "sold");
        Assert.Equal(grantedAfter, holdsAfter.Count + salesAfter.Count);
        Assert.Equal(holdsAfter.Count, holdsAfter.Distinct().Count());
        Assert.Equal(salesAfter.Count, salesAfter.Distinct().Count());
        Assert.InRange(grantedAfter, acknowledged.Count, Units);
        var final = (await api.Send(StockQuery, new { sku })).Ok()["stock"];
        Assert.Equal((Units - salesAfter.Count, holdsAfter.Count), (final.Int("onHand"), final.Int("reserved")));
        // The kept movements still replay to the level: one per version, none lost or doubled by the kill.
        await StockLedgerReplay.AssertReplaysTo(hosts.Database,
            new StockLevel(sku, "w1", final.Int("onHand"), final.Int("reserved"), 0, final.Int("version"), default), "after a silo was killed mid-burst");
    }

    private const string StockQuery = "query($sku: ID!) { stock(sku: $sku, storeId: \"w1\") { onHand reserved available version } }";

    /// <summary>One till call, its outcome recorded whatever happens: granted, refused with a code, failed with a code, or no answer at all.</summary>
    private static async Task<Outcome> Call(OpsClient ops, string sku, string id, bool sale)
    {
        try
        {
            var response = sale
                ? await ops.Api.Send("""
                    mutation($sku: ID!, $id: ID!) { recordSale(storeId: "w1", sku: $sku, quantity: 1, saleId: $id) { stock { version } errors { code } } }
                    """, new { sku, id }, ops.Token)
                : await ops.Api.Send("""
                    mutation($sku: ID!, $id: ID!) { reserveStock(storeId: "w1", sku: $sku, quantity: 1, reservationId: $id, ttlSeconds: 3600) { reservation { id } errors { code } } }
                    """, new { sku, id }, ops.Token);
            if (response.ErrorCodes.Count > 0)
            {
                return new Outcome(id, sale, string.Join(",", response.ErrorCodes), response.ToString());
            }
            var errors = response.UserErrors(sale ? "recordSale" : "reserveStock");
            return new Outcome(id, sale, errors.Count == 0 ? Outcome.Granted : string.Join(",", errors), response.ToString());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
        {
            // No answer, or an HTTP failure (its status and body are in the message): an unknown outcome, recorded.
            return new Outcome(id, sale, "transport:" + e.GetType().Name, e.Message);
        }
    }

    private static async Task<(int OnHand, int Reserved)> LevelRowOnHandReserved(TestDatabase db, string sku)
    {
        var (onHand, reserved, _) = await UnattendedExpiryTests.LevelRow(db, sku);
        return (onHand, reserved);
    }
}
