using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace Omni.Inventory;

/// <summary>
/// The inventory journal in PostgreSQL (tables of migration 0005): one row per group commit,
/// a compact snapshot every so many events, and the current level of every (sku, store).
/// Batches are appended by the silo's journal committer (0007), together with other grains'.
/// </summary>
public sealed class InventoryStore(NpgsqlDataSource db)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public async Task<(LedgerSnapshot? Snapshot, IReadOnlyList<InventoryEvent> Events)> Load(string storeId, string sku, CancellationToken cancellationToken = default)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(
            "SELECT state FROM omni_inventory_snapshot WHERE sku = $1 AND store_id = $2", sku, storeId));
        batch.BatchCommands.Add(Command(
            "SELECT events FROM omni_inventory_journal WHERE sku = $1 AND store_id = $2 AND from_version > " +
            "coalesce((SELECT version FROM omni_inventory_snapshot WHERE sku = $1 AND store_id = $2), 0) ORDER BY from_version",
            sku, storeId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        LedgerSnapshot? snapshot = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            snapshot = JsonSerializer.Deserialize<LedgerSnapshot>(reader.GetString(0), Json);
        }
        await reader.NextResultAsync(cancellationToken);
        var events = new List<InventoryEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.AddRange(JsonSerializer.Deserialize<InventoryEvent[]>(reader.GetString(0), Json) ?? []);
        }
        return (snapshot, events);
    }

    /// <summary>A batch of events as the journal stores it (appended through the silo's journal committer).</summary>
    public static string Serialize(IReadOnlyList<InventoryEvent> events) => JsonSerializer.Serialize(events, Json);

    /// <summary>A batch's on-hand movements as <c>omni_inventory_append_many</c> stores them (migration 0009).</summary>
    public static string Serialize(IReadOnlyList<MovementRecord> movements) => JsonSerializer.Serialize(movements, Json);

    /// <summary>A batch's kept movements as <c>omni_inventory_append_many</c> stores them (migration 0011).</summary>
    public static string Serialize(IReadOnlyList<StockMovement> ledger) =>
        JsonSerializer.Serialize(ledger.Select(m => new MovementRow(m.Version, m.Kind.ToString(), m.OnHandDelta, m.ReservedDelta,
            m.OnHandAfter, m.ReservedAfter, m.Reference, m.Actor, m.Channel?.ToString(), m.Reason, m.CustomerId, m.At)), Json);

    /// <summary>The movements of the batches of one location, one row each (migration 0011), as columns.</summary>
    private const string Unpacked =
        "jsonb_to_recordset(b.movements) AS m(v bigint, k text, dh integer, dr integer, h integer, r integer, ref text, a text, ch text, why text, cust text, at timestamptz)";

    private const string MovementColumns = "m.v, m.k, m.dh, m.dr, m.h, m.r, m.ref, m.a, m.ch, m.why, m.at, m.cust";

    /// <summary>At most <paramref name="first"/> kept movements after <paramref name="afterVersion"/>, oldest first.</summary>
    public async Task<IReadOnlyList<StockMovement>> Movements(string storeId, string sku, long afterVersion, int first, CancellationToken cancellationToken = default)
    {
        // Versions are gapless, so the page lies in the batches from the one holding afterVersion + 1
        // up to those starting by afterVersion + first: an index range, however long the history.
        await using var command = db.CreateCommand($"""
            SELECT {MovementColumns}
              FROM omni_stock_movement b, {Unpacked}
             WHERE b.sku = $1 AND b.store_id = $2
               AND b.from_version >= coalesce((SELECT max(from_version) FROM omni_stock_movement
                                                WHERE sku = $1 AND store_id = $2 AND from_version <= $3 + 1), 1)
               AND b.from_version <= $3 + $4
               AND m.v > $3
             ORDER BY m.v LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sku });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = storeId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterVersion });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = first });
        return await ReadMovements(command, storeId, sku, cancellationToken);
    }

    /// <summary>The newest kept movement, or null.</summary>
    public async Task<StockMovement?> LastMovement(string storeId, string sku, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand($"""
            SELECT {MovementColumns}
              FROM (SELECT movements FROM omni_stock_movement WHERE sku = $1 AND store_id = $2 ORDER BY from_version DESC LIMIT 1) b, {Unpacked}
             ORDER BY m.v DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sku });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = storeId });
        return (await ReadMovements(command, storeId, sku, cancellationToken)).FirstOrDefault();
    }

    private static async Task<IReadOnlyList<StockMovement>> ReadMovements(NpgsqlCommand command, string storeId, string sku, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var movements = new List<StockMovement>();
        while (await reader.ReadAsync(cancellationToken))
        {
            movements.Add(new StockMovement(sku, storeId, reader.GetInt64(0), Enum.Parse<StockMovementKind>(reader.GetString(1)),
                reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetString(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : Enum.Parse<Carts.Channel>(reader.GetString(8)),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }
        return movements;
    }

    /// <summary>One kept movement as the append function reads it (short names: a flash sale writes thousands a second).</summary>
    private sealed record MovementRow(
        [property: JsonPropertyName("v")] long Version,
        [property: JsonPropertyName("k")] string Kind,
        [property: JsonPropertyName("dh")] int OnHandDelta,
        [property: JsonPropertyName("dr")] int ReservedDelta,
        [property: JsonPropertyName("h")] int OnHandAfter,
        [property: JsonPropertyName("r")] int ReservedAfter,
        [property: JsonPropertyName("ref")] string Reference,
        [property: JsonPropertyName("a")] string Actor,
        [property: JsonPropertyName("ch")] string? Channel,
        [property: JsonPropertyName("why")] string? Reason,
        [property: JsonPropertyName("cust")] string? CustomerId,
        [property: JsonPropertyName("at")] DateTimeOffset At);

    /// <summary>The durable record of an on-hand movement (migration 0009), or null if none was stored.</summary>
    public async Task<MovementRecord?> FindMovement(string storeId, string sku, string kind, string id, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "SELECT outcome FROM omni_inventory_movement_id WHERE sku = $1 AND store_id = $2 AND kind = $3 AND id = $4");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sku });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = storeId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await command.ExecuteScalarAsync(cancellationToken) is string outcome
            ? JsonSerializer.Deserialize<MovementRecord>(outcome, Json)
            : null;
    }

    /// <summary>
    /// Writes a snapshot of durable state and drops the journal rows it covers. Serialising a
    /// large ledger takes a while, so it happens off the caller's thread.
    /// </summary>
    public async Task WriteSnapshot(string storeId, string sku, LedgerSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var state = await Task.Run(() => JsonSerializer.Serialize(snapshot, Json), cancellationToken);
        await using var command = db.CreateCommand("SELECT omni_inventory_snapshot_write($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sku });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = storeId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = state, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The last durable level of a SKU at every location that has stocked it.</summary>
    public async Task<IReadOnlyList<StockLevel>> Levels(string sku, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "SELECT store_id, on_hand, reserved, safety_stock, version, updated_at FROM omni_inventory_level WHERE sku = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sku });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var levels = new List<StockLevel>();
        while (await reader.ReadAsync(cancellationToken))
        {
            levels.Add(new StockLevel(sku, reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return levels;
    }

    /// <summary>
    /// Opening stock for locations that have none yet (demo data, a first import): written as
    /// a snapshot at version 1 with its kept movement, a <c>RECEIVED</c> by <c>system</c>. Locations that already have stock are left alone.
    /// Returns how many were written.
    /// </summary>
    public async Task<int> SeedOpeningStock(IReadOnlyList<(string StoreId, string Sku, int OnHand)> lines, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("""
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[]) AS t(store_id, sku, on_hand, state)),
            levels AS (
                INSERT INTO omni_inventory_level (sku, store_id, on_hand, reserved, safety_stock, version, updated_at)
                SELECT sku, store_id, on_hand, 0, 0, 1, $5 FROM input
                ON CONFLICT (sku, store_id) DO NOTHING
                RETURNING sku, store_id),
            snapshots AS (
                INSERT INTO omni_inventory_snapshot (sku, store_id, version, state)
                SELECT i.sku, i.store_id, 1, i.state FROM input i JOIN levels l USING (sku, store_id))
            INSERT INTO omni_stock_movement (sku, store_id, from_version, to_version, movements)
            SELECT i.sku, i.store_id, 1, 1, jsonb_build_array(jsonb_build_object(
                       'v', 1, 'k', 'RECEIVED', 'dh', i.on_hand, 'dr', 0, 'h', i.on_hand, 'r', 0,
                       'ref', 'opening-stock', 'a', 'system', 'why', 'opening stock', 'at', $5))
              FROM input i JOIN levels l USING (sku, store_id)
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lines.Select(l => l.StoreId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lines.Select(l => l.Sku)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. lines.Select(l => l.OnHand)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = [.. lines.Select(l => JsonSerializer.Serialize(new LedgerSnapshot(l.OnHand, 0, 1, at, [], []), Json))],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params string[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        }
        return command;
    }
}
