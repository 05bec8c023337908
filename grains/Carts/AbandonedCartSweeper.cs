using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Omni.Inventory;

namespace Omni.Carts;

/// <summary>
/// Keeps what anonymous traffic leaves behind bounded (issue 12, item 7; DESIGN rule 11). Every
/// <see cref="CartOptions.SweepEvery"/> each silo deletes, in one statement, the journal streams of
/// anonymous carts and sessions nobody wrote to for <see cref="CartOptions.AbandonedAfter"/>
/// (their commits mark them, migration 0010) with their commits and snapshots, and forgets the
/// durable ids of on-hand movements older than <see cref="InventoryOptions.KeepIdsFor"/> (0009).
/// A cart's holds are renewed only by its own commits, so an anonymous cart idle that long (far
/// longer than a hold lasts) holds no stock. Deleting is idempotent: two silos sweeping at once
/// is harmless.
/// </summary>
public sealed partial class AbandonedCartSweeper(
    NpgsqlDataSource db,
    IOptions<CartOptions> carts,
    IOptions<InventoryOptions> inventory,
    ILogger<AbandonedCartSweeper> logger) : BackgroundService
{
    /// <summary>At most this many streams per sweep, so one sweep is one short transaction; the next takes the rest.</summary>
    private const int MaxPerSweep = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(carts.Value.SweepEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var (streams, ids) = await Sweep(carts.Value.AbandonedAfter, inventory.Value.KeepIdsFor, stoppingToken);
                if (streams > 0 || ids > 0)
                {
                    LogSwept(logger, streams, ids);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// Deletes anonymous streams idle for longer than <paramref name="abandonedAfter"/> and movement
    /// ids older than <paramref name="keepIdsFor"/>; returns how many of each went.
    /// </summary>
    public async Task<(int Streams, int MovementIds)> Sweep(TimeSpan abandonedAfter, TimeSpan keepIdsFor, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("""
            WITH gone AS (
                DELETE FROM omni_stream
                 WHERE stream IN (SELECT stream FROM omni_stream WHERE anonymous AND updated_at < now() - $1
                                   ORDER BY updated_at LIMIT $3)
                   AND anonymous AND updated_at < now() - $1
                RETURNING stream),
            commits AS (DELETE FROM omni_commit WHERE stream IN (SELECT stream FROM gone)),
            snapshots AS (DELETE FROM omni_snapshot WHERE stream IN (SELECT stream FROM gone)),
            ids AS (
                DELETE FROM omni_inventory_movement_id
                 WHERE ctid IN (SELECT ctid FROM omni_inventory_movement_id WHERE at < now() - $2 LIMIT $3)
                RETURNING 1)
            SELECT (SELECT count(*) FROM gone)::int, (SELECT count(*) FROM ids)::int
            """);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = abandonedAfter });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = keepIdsFor });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxPerSweep });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweeper: deleted {Streams} abandoned anonymous carts and sessions and {Ids} expired movement ids")]
    private static partial void LogSwept(ILogger logger, int streams, int ids);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeper: deleting abandoned anonymous carts and sessions failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
