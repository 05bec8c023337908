using Omni.Tests.Api;

namespace Omni.Tests.Inventory;

/// <summary>
/// Holds lapse with nobody calling: the real silo and API executables, real time (no fake clock),
/// a hold of a few seconds and an expiry reminder of two (Omni:Inventory:ExpiryReminderPeriod).
/// What is checked is where a lapse must show: the level, the stock ledger (the journal in
/// PostgreSQL, read directly, which wakes no grain) and the live feed. Deadlines only bound the
/// waiting; nothing here measures time.
/// </summary>
[Trait("Tier", "Host")]
[Collection(SiloCrashCollection.Name)]
public sealed class UnattendedExpiryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);

    private static readonly Dictionary<string, string> ShortReminder = new() { ["Omni__Inventory__ExpiryReminderPeriod"] = "00:00:02" };
    private static readonly Dictionary<string, string> DevTokens = new() { ["Omni__Auth__DevTokens"] = "true" };

    [Fact]
    public async Task A_hold_nobody_touches_lapses_on_its_timer_and_the_level_the_ledger_and_the_feed_show_it()
    {
        await using var hosts = await OmniHosts.Start(silos: 1, apis: 1, siloSettings: ShortReminder, apiSettings: DevTokens);
        using var api = new ApiClient(hosts.Apis[0].BaseAddress);
        var ops = await OpsClient.Connect(api);
        await ops.DefineNetwork();
        var sku = await ops.NewProduct(1, ("w1", 10));
        await using var socket = await OmniApiFixture.Socket(api);
        await socket.Subscribe("stock", $"subscription {{ stockChanged(sku: \"{sku}\", storeId: \"w1\") {{ onHand reserved available version }} }}");
        var opening = await socket.Next("stock", "stockChanged");

        var held = await Reserve(ops, sku, "till-hold", 4, ttlSeconds: 2);
        Assert.Empty(held.UserErrors("reserveStock"));
        // From here on nobody sends anything: only the grain's own timer can let the hold go.
        var holding = await socket.NextUntil("stock", "stockChanged", l => l.Int("reserved") == 4);
        var lapsed = await socket.NextUntil("stock", "stockChanged", l => l.Int("reserved") == 0);

        Assert.Equal((10, 0, 10), (lapsed.Int("onHand"), lapsed.Int("reserved"), lapsed.Int("available")));
        Assert.Equal(opening.Int("version") + 1, holding.Int("version"));
        Assert.Equal(holding.Int("version") + 1, lapsed.Int("version"));
        Assert.Equal(["till-hold"], await Ledger(hosts.Database, sku, "expired"));
        Assert.Equal((10, 0, (long)lapsed.Int("version")), await LevelRow(hosts.Database, sku));
        var level = (await api.Send(StockQuery, new { sku })).Ok()["stock"];
        Assert.Equal((0, 10, lapsed.Int("version")), (level.Int("reserved"), level.Int("available"), level.Int("version")));
    }

    [Fact]
    public async Task A_hold_on_a_silo_killed_with_SIGKILL_lapses_by_its_reminder_on_the_survivor_with_nobody_calling()
    {
        await using var hosts = await OmniHosts.Start(silos: 1, apis: 1, siloSettings: ShortReminder, apiSettings: DevTokens);
        using var api = new ApiClient(hosts.Apis[0].BaseAddress);
        var ops = await OpsClient.Connect(api);
        await ops.DefineNetwork();
        // Received while silo 0 is the only silo: the inventory grain lives there.
        var sku = await ops.NewProduct(1, ("w1", 10));
        var doomed = hosts.Silos[0];
        await hosts.AddSilo();

        var held = await Reserve(ops, sku, "till-hold", 4, ttlSeconds: 3);
        Assert.Empty(held.UserErrors("reserveStock"));
        Assert.Equal(4, held["reserveStock.stock.reserved"].GetInt32());
        // The timer that would lapse the hold dies with its silo. No socket watches this SKU and
        // no request names it from here on: only the reminder, taken over by the survivor, can wake the grain.
        doomed.Kill();
        Assert.Equal(137, await doomed.WaitForExit(TimeSpan.FromSeconds(30)));

        var expired = await Eventually.Get(() => Ledger(hosts.Database, sku, "expired"), ids => ids.Count > 0, Deadline,
            "the survivor's reminder lapses the hold in the ledger");
        Assert.Equal(["till-hold"], expired);
        var (onHand, reserved, version) = await LevelRow(hosts.Database, sku);
        Assert.Equal((10, 0), (onHand, reserved));
        // The lapse is a kept movement, EXPIRED by the system, and the movements replay to the level.
        var movements = await StockLedgerReplay.AssertReplaysTo(hosts.Database,
            new Omni.Inventory.StockLevel(sku, "w1", onHand, reserved, 0, version, default), "after a lapse on the survivor");
        Assert.Equal((Omni.Inventory.StockMovementKind.EXPIRED, "system", "till-hold", -4),
            (movements[^1].Kind, movements[^1].Actor, movements[^1].Reference, movements[^1].ReservedDelta));

        // Now look through the API: a fresh node (the first knew only the dead silo's gateway).
        using var fresh = new ApiClient((await hosts.AddApi(DevTokens)).BaseAddress);
        var level = (await fresh.Send(StockQuery, new { sku })).Ok()["stock"];
        Assert.Equal((10, 0, 10, version), (level.Int("onHand"), level.Int("reserved"), level.Int("available"), (long)level.Int("version")));
        await using var socket = await OmniApiFixture.Socket(fresh);
        await socket.Subscribe("stock", $"subscription {{ stockChanged(sku: \"{sku}\", storeId: \"w1\") {{ reserved available version }} }}");
        var live = await socket.Next("stock", "stockChanged");
        Assert.Equal((0, 10, version), (live.Int("reserved"), live.Int("available"), (long)live.Int("version")));
    }

    private const string StockQuery = "query($sku: ID!) { stock(sku: $sku, storeId: \"w1\") { onHand reserved available version } }";

    private static Task<GraphQLResponse> Reserve(OpsClient ops, string sku, string reservationId, int quantity, int ttlSeconds) =>
        ops.Api.Send("""
            mutation($sku: ID!, $id: ID!, $quantity: Int!, $ttl: Int) {
              reserveStock(storeId: "w1", sku: $sku, quantity: $quantity, reservationId: $id, ttlSeconds: $ttl) { reservation { id } stock { reserved } errors { code } }
            }
            """, new { sku, id = reservationId, quantity, ttl = ttlSeconds }, ops.Token);

    /// <summary>The ids of the journal's events of one kind for the SKU at w1, in journal order: read from PostgreSQL, waking no grain.</summary>
    internal static async Task<List<string>> Ledger(TestDatabase db, string sku, string kind)
    {
        await using var command = db.DataSource.CreateCommand("""
            SELECT coalesce(e->>'ReservationId', e->>'SaleId', e->>'MovementId')
              FROM omni_inventory_journal j, jsonb_array_elements(j.events) WITH ORDINALITY AS x(e, n)
             WHERE j.sku = $1 AND j.store_id = 'w1' AND e->>'$e' = $2
             ORDER BY j.from_version, x.n
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = sku });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = kind });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>The SKU's row in omni_inventory_level at w1: on-hand, reserved, version, as last written.</summary>
    internal static async Task<(int OnHand, int Reserved, long Version)> LevelRow(TestDatabase db, string sku)
    {
        await using var command = db.DataSource.CreateCommand("SELECT on_hand, reserved, version FROM omni_inventory_level WHERE sku = $1 AND store_id = 'w1'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = sku });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no level row for {sku} at w1");
        return (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2));
    }
}
