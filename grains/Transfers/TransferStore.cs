using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Omni.Transfers;

/// <summary>
/// Transfers in PostgreSQL (<c>omni_transfer</c>, migration 0011): one row each, written
/// conditionally on its version so two activations can never both acknowledge. Transfers are
/// few and slow (people move boxes), so they are written directly, not group-committed.
/// </summary>
public sealed class TransferStore(NpgsqlDataSource db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public async Task<TransferState?> Load(string id, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT state FROM omni_transfer WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await command.ExecuteScalarAsync(cancellationToken) is string state ? JsonSerializer.Deserialize<TransferState>(state, Json) : null;
    }

    /// <summary>Writes <paramref name="state"/> if the row is still at <paramref name="expectedVersion"/> (0: no row).</summary>
    /// <exception cref="Journal.JournalConflictException">Another activation wrote first.</exception>
    public async Task Save(string id, long expectedVersion, TransferState state, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO omni_transfer AS t (id, from_store_id, to_store_id, status, version, in_flight, state, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (id) DO UPDATE
               SET status = excluded.status, version = excluded.version, in_flight = excluded.in_flight,
                   state = excluded.state, updated_at = excluded.updated_at
             WHERE t.version = $10
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.FromStoreId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.ToStoreId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Status.ToString() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = state.Version });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = state.Step != TransferStep.None });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(state, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = state.CreatedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = state.UpdatedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new Journal.JournalConflictException($"transfer {id} has moved on from version {expectedVersion}: another activation wrote first");
        }
    }

    public async Task<IReadOnlyList<(string Id, TransferState State)>> List(string storeId, TransferStatus? status, int first, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("""
            SELECT id, state FROM omni_transfer
             WHERE (from_store_id = $1 OR to_store_id = $1) AND ($2::text IS NULL OR status = $2)
             ORDER BY created_at DESC, id LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = storeId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = first });
        return await Read(command, cancellationToken);
    }

    /// <summary>Units of each SKU dispatched to its location and not yet added there, in the order asked.</summary>
    public async Task<IReadOnlyList<int>> Incoming(IReadOnlyList<(string StoreId, string Sku)> keys, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("""
            SELECT id, state FROM omni_transfer
             WHERE to_store_id = ANY($1) AND (status = 'IN_TRANSIT' OR (status = 'RECEIVED' AND in_flight))
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys.Select(k => k.StoreId).Distinct()] });
        var moving = await Read(command, cancellationToken);
        return [.. keys.Select(k => moving.Where(t => t.State.ToStoreId == k.StoreId).Sum(t => TransferLedger.InTransit(t.State, k.Sku)))];
    }

    private static async Task<IReadOnlyList<(string Id, TransferState State)>> Read(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<(string, TransferState)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add((reader.GetString(0), JsonSerializer.Deserialize<TransferState>(reader.GetString(1), Json)!));
        }
        return found;
    }
}
