using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Omni.Inventory;

namespace Omni.Journal;

/// <summary>
/// The silo's one writer of the journals (migrations 0006 and 0007): grains hand it a commit
/// (stream, expected version, events; or an inventory grain's batch) and wait; it writes everything queued in one PostgreSQL
/// transaction and acknowledges each waiter only after COMMIT. Batches grow with load and
/// need no timer: while <see cref="JournalOptions.Writers"/> writes are in flight, whatever
/// arrives queues up and goes out together in the next one.
/// <list type="bullet">
/// <item>Each append is conditional on its stream's head, so a duplicate activation can never
/// acknowledge; a refused stream gets <see cref="JournalConflictException"/> and the others in
/// the batch are written all the same.</item>
/// <item>A batch the database refuses for its data (one caller's bad input) is split and each
/// commit written alone, so only the bad one fails.</item>
/// <item>A batch whose outcome is unknown (the connection dropped) is sent again with the same
/// write ids: a commit that did land is recognised as its own, none is written twice.</item>
/// </list>
/// Snapshots go through a writer of their own, beside the commits, never in their way.
/// </summary>
public sealed partial class JournalCommitter : IAsyncDisposable
{
    /// <summary>Traced when the host listens to it (Omni.ServiceDefaults' TracingExtensions.JournalSource).</summary>
    public const string ActivitySourceName = "Omni.Journal";

    private static readonly ActivitySource Tracing = new(ActivitySourceName);

    private readonly NpgsqlDataSource _db;
    private readonly JournalOptions _options;
    private readonly ILogger<JournalCommitter> _logger;
    private readonly Channel<PendingCommit> _commits = Channel.CreateUnbounded<PendingCommit>(new() { SingleReader = false });
    private readonly Channel<PendingSnapshot> _snapshots = Channel.CreateUnbounded<PendingSnapshot>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _writers;
    private readonly Task _snapshotWriter;

    public JournalCommitter(NpgsqlDataSource db, IOptions<JournalOptions> options, ILogger<JournalCommitter> logger)
    {
        _db = db;
        _options = options.Value;
        _logger = logger;
        // The writers serve every grain: they must not carry along the trace of whichever call built this.
        var flow = ExecutionContext.IsFlowSuppressed() ? (AsyncFlowControl?)null : ExecutionContext.SuppressFlow();
        try
        {
            _writers = [.. Enumerable.Range(0, Math.Max(1, _options.Writers)).Select(_ => Task.Run(WriteCommits))];
            _snapshotWriter = Task.Run(WriteSnapshots);
        }
        finally
        {
            flow?.Undo();
        }
    }

    /// <summary>
    /// Appends <paramref name="events"/> (a JSON document) to <paramref name="stream"/> as version
    /// <paramref name="expectedVersion"/> + 1 and returns once it is durable. <paramref name="inFlight"/>
    /// marks (true) or clears (false) a saga in flight on the stream, for <see cref="SagaSweeper"/>;
    /// <paramref name="anonymous"/> marks a stream nobody owns, for <see cref="Carts.AbandonedCartSweeper"/>.
    /// </summary>
    /// <exception cref="JournalConflictException">The stream is not at <paramref name="expectedVersion"/>: another writer got there first.</exception>
    /// <exception cref="JournalUnavailableException">The database could not be reached or refused the commit; nothing is acknowledged.</exception>
    public Task Append(string stream, long expectedVersion, string events, bool? inFlight = null, bool? anonymous = null)
    {
        if (events.Contains("\\u0000", StringComparison.Ordinal))
        {
            // PostgreSQL's jsonb cannot hold NUL; refusing it here keeps it out of everyone's batch.
            return Task.FromException(new JournalUnavailableException($"a commit to {stream} holds a NUL character and cannot be stored"));
        }
        return Enqueue(new StreamCommit(stream, expectedVersion, Guid.NewGuid(), events, inFlight, anonymous));
    }

    /// <summary>
    /// Appends an inventory grain's batch of <paramref name="eventCount"/> events (a JSON array)
    /// that took its ledger to <paramref name="head"/>, in the same transactions as every other
    /// commit of this silo (migration 0007), with its kept movements (<paramref name="ledger"/>,
    /// migration 0011), and returns once it is durable.
    /// </summary>
    /// <exception cref="JournalConflictException">The level is not where the batch starts: another activation wrote first.</exception>
    /// <exception cref="JournalUnavailableException">The database could not be reached or refused the batch; nothing is acknowledged.</exception>
    public Task AppendInventory(StockLevel head, int eventCount, string events, string movements, string ledger)
    {
        if (events.Contains("\\u0000", StringComparison.Ordinal) || movements.Contains("\\u0000", StringComparison.Ordinal)
            || ledger.Contains("\\u0000", StringComparison.Ordinal))
        {
            return Task.FromException(new JournalUnavailableException($"a batch of {head.StoreId}/{head.Sku} holds a NUL character and cannot be stored"));
        }
        return Enqueue(new InventoryCommit(head, head.Version - eventCount + 1, Guid.NewGuid(), events, movements, ledger));
    }

    private Task Enqueue(PendingCommit pending) =>
        _commits.Writer.TryWrite(pending)
            ? pending.Done.Task
            : Task.FromException(new JournalUnavailableException("the journal is shutting down"));

    /// <summary>Queues a snapshot of <paramref name="stream"/> at <paramref name="version"/> (durable state only); never waited for.</summary>
    public void Snapshot(string stream, long version, string state)
    {
        if (!state.Contains("\\u0000", StringComparison.Ordinal))
        {
            _snapshots.Writer.TryWrite(new PendingSnapshot(stream, version, state));
        }
    }

    /// <summary>Writes a snapshot now and returns once it is durable (a stream's first state, brought over by an upgrade).</summary>
    public async Task WriteSnapshot(string stream, long version, string state, CancellationToken cancellationToken = default)
    {
        await using var command = _db.CreateCommand("SELECT omni_journal_snapshot($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [stream] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [version] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [state], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A stream's latest snapshot (if any) and the commits after it, in version order.</summary>
    public async Task<StreamContents> Load(string stream, CancellationToken cancellationToken = default)
    {
        await using var batch = _db.CreateBatch();
        batch.BatchCommands.Add(Command("SELECT version, state FROM omni_snapshot WHERE stream = $1", stream));
        batch.BatchCommands.Add(Command(
            "SELECT version, events FROM omni_commit WHERE stream = $1 AND version > " +
            "coalesce((SELECT version FROM omni_snapshot WHERE stream = $1), 0) ORDER BY version", stream));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        (long Version, string State)? snapshot = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            snapshot = (reader.GetInt64(0), reader.GetString(1));
        }
        await reader.NextResultAsync(cancellationToken);
        var commits = new List<(long Version, string Events)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            commits.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return new StreamContents(snapshot?.Version ?? 0, snapshot?.State, commits);
    }

    // ------------------------------------------------------------------ commits

    private async Task WriteCommits()
    {
        var reader = _commits.Reader;
        var batch = new List<PendingCommit>(_options.MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                while (batch.Count < _options.MaxBatch && reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
                if (batch.Count > 0)
                {
                    await WriteBatch(batch);
                    batch.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var left in batch)
            {
                left.Done.TrySetException(new JournalUnavailableException("the journal is shutting down"));
            }
        }
    }

    private async Task WriteBatch(List<PendingCommit> batch)
    {
        using var activity = StartBatchActivity(batch);
        var started = Stopwatch.GetTimestamp();
        try
        {
            bool[] accepted;
            try
            {
                accepted = await Write(batch);
            }
            catch (Exception e) when (Ambiguous(e))
            {
                // The commit may or may not have happened: send the same write ids again.
                LogRetrying(_logger, e, batch.Count);
                accepted = await Write(batch);
            }
            for (var i = 0; i < batch.Count; i++)
            {
                Settle(batch[i], accepted[i]);
            }
        }
        catch (PostgresException e) when (batch.Count > 1 && RefusedForData(e))
        {
            // One commit's data was refused: write each alone, so only that one fails.
            foreach (var commit in batch)
            {
                try
                {
                    Settle(commit, (await Write([commit]))[0]);
                }
                catch (Exception alone)
                {
                    Fail(commit, alone);
                }
            }
        }
        catch (Exception e)
        {
            foreach (var commit in batch)
            {
                Fail(commit, e);
            }
        }
        JournalMetrics.BatchCommits.Record(batch.Count);
        JournalMetrics.WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// A span for one batch, whose SQL statement is its child. A batch of one commit belongs to the
    /// trace of the call that made it; a batch of many is a trace of its own, linked to each caller's.
    /// </summary>
    private static Activity? StartBatchActivity(List<PendingCommit> batch)
    {
        if (!Tracing.HasListeners())
        {
            return null;
        }
        var parent = batch.Count == 1 ? batch[0].Caller : default;
        IEnumerable<ActivityLink>? links = batch.Count == 1 ? null
            : [.. batch.Where(c => c.Caller != default).Select(c => new ActivityLink(c.Caller))];
        var activity = Tracing.StartActivity("journal commit", ActivityKind.Internal, parent, links: links);
        activity?.SetTag("omni.journal.commits", batch.Count);
        return activity;
    }

    /// <summary>One statement, so one transaction: the grain commits and the inventory batches of the whole batch.</summary>
    private async Task<bool[]> Write(IReadOnlyList<PendingCommit> batch)
    {
        var streams = batch.OfType<StreamCommit>().ToList();
        var stock = batch.OfType<InventoryCommit>().ToList();
        await using var command = _db.CreateCommand(
            "SELECT omni_journal_append($1, $2, $3, $4, $15, $17), omni_inventory_append_many($5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $18)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. streams.Select(c => c.Stream)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. streams.Select(c => c.ExpectedVersion)] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. streams.Select(c => c.WriteId)] });
        command.Parameters.Add(Jsonb([.. streams.Select(c => c.Events)]));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. stock.Select(c => c.Head.Sku)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. stock.Select(c => c.Head.StoreId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. stock.Select(c => c.FromVersion)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. stock.Select(c => c.Head.Version)] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. stock.Select(c => c.WriteId)] });
        command.Parameters.Add(Jsonb([.. stock.Select(c => c.Events)]));
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. stock.Select(c => c.Head.OnHand)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. stock.Select(c => c.Head.Reserved)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. stock.Select(c => c.Head.SafetyStock)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. stock.Select(c => c.Head.UpdatedAt.ToUniversalTime())] });
        command.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = [.. streams.Select(c => c.InFlight)] });
        command.Parameters.Add(Jsonb([.. stock.Select(c => c.Movements)]));
        command.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = [.. streams.Select(c => c.Anonymous)] });
        command.Parameters.Add(Jsonb([.. stock.Select(c => c.Ledger)]));
        await using var reader = await command.ExecuteReaderAsync(_stopping.Token);
        await reader.ReadAsync(_stopping.Token);
        var (streamsAccepted, stockAccepted) = (reader.GetFieldValue<bool[]>(0), reader.GetFieldValue<bool[]>(1));
        // Back in the batch's order.
        int nextStream = 0, nextStock = 0;
        return [.. batch.Select(c => c is StreamCommit ? streamsAccepted[nextStream++] : stockAccepted[nextStock++])];
    }

    private static NpgsqlParameter<string[]> Jsonb(string[] values) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    private static void Settle(PendingCommit commit, bool accepted)
    {
        if (accepted)
        {
            commit.Done.TrySetResult();
        }
        else
        {
            JournalMetrics.Conflicts.Add(1);
            commit.Done.TrySetException(new JournalConflictException(
                $"{commit.Name} has moved on: another activation wrote first"));
        }
    }

    private void Fail(PendingCommit commit, Exception e)
    {
        LogCommitFailed(_logger, e, commit.Name);
        commit.Done.TrySetException(new JournalUnavailableException($"the commit to {commit.Name} was not stored; retry", e));
    }

    /// <summary>The connection broke or the server went away mid-call: the commit's fate is unknown.</summary>
    private static bool Ambiguous(Exception e) =>
        e is NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException }
        || e is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "08006" or "08003" or "08000" };

    /// <summary>Data exceptions (class 22) and integrity violations (class 23) come from what a commit holds.</summary>
    private static bool RefusedForData(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal);

    // ------------------------------------------------------------------ snapshots

    private async Task WriteSnapshots()
    {
        var reader = _snapshots.Reader;
        var latest = new Dictionary<string, PendingSnapshot>(StringComparer.Ordinal);
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                while (latest.Count < _options.MaxBatch && reader.TryRead(out var next))
                {
                    if (!latest.TryGetValue(next.Stream, out var known) || known.Version < next.Version)
                    {
                        latest[next.Stream] = next;
                    }
                }
                try
                {
                    await using var command = _db.CreateCommand("SELECT omni_journal_snapshot($1, $2, $3)");
                    command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. latest.Values.Select(s => s.Stream)] });
                    command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. latest.Values.Select(s => s.Version)] });
                    command.Parameters.Add(new NpgsqlParameter<string[]>
                    {
                        TypedValue = [.. latest.Values.Select(s => s.State)],
                        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
                    });
                    await command.ExecuteNonQueryAsync(_stopping.Token);
                }
                catch (Exception e) when (!_stopping.IsCancellationRequested)
                {
                    // A missed snapshot only means a longer replay at the next activation.
                    LogSnapshotFailed(_logger, e, latest.Count);
                }
                latest.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private static NpgsqlBatchCommand Command(string sql, string stream)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        _commits.Writer.TryComplete();
        _snapshots.Writer.TryComplete();
        try
        {
            await Task.WhenAll([.. _writers, _snapshotWriter]).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync();
        }
        _stopping.Dispose();
    }

    private abstract record PendingCommit(Guid WriteId, string Events)
    {
        /// <summary>The span of the grain call waiting for this commit, if it is traced.</summary>
        public ActivityContext Caller { get; } = Activity.Current?.Context ?? default;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public abstract string Name { get; }
    }

    private sealed record StreamCommit(string Stream, long ExpectedVersion, Guid WriteId, string Events, bool? InFlight, bool? Anonymous) : PendingCommit(WriteId, Events)
    {
        public override string Name => $"{Stream} at version {ExpectedVersion + 1}";
    }

    private sealed record InventoryCommit(StockLevel Head, long FromVersion, Guid WriteId, string Events, string Movements, string Ledger) : PendingCommit(WriteId, Events)
    {
        public override string Name => $"inventory {Head.StoreId}/{Head.Sku} at versions {FromVersion}-{Head.Version}";
    }

    private sealed record PendingSnapshot(string Stream, long Version, string State);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal: a batch of {Count} commits lost its connection; sending it again with the same write ids")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal: the commit of {Commit} was not stored")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string commit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal: {Count} snapshots were not written")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, int count);
}

/// <summary>What <see cref="JournalCommitter.Load"/> found: the snapshot (0 and null when none) and the commits after it.</summary>
public sealed record StreamContents(long SnapshotVersion, string? Snapshot, IReadOnlyList<(long Version, string Events)> Commits)
{
    public long Head => Commits.Count > 0 ? Commits[^1].Version : SnapshotVersion;
}

public sealed class JournalOptions
{
    /// <summary>
    /// Batches in flight at once per silo; more queue up for the next one. One is the measured
    /// best on two cores: larger batches, less PostgreSQL work per commit (docs/benchmarks.md).
    /// </summary>
    public int Writers { get; set; } = 1;
    /// <summary>The most commits one transaction carries.</summary>
    public int MaxBatch { get; set; } = 512;
    /// <summary>The fewest commits between snapshots of a stream; a large state waits for as many bytes of commits (<see cref="StreamJournal{TCommit, TSnapshot}"/>).</summary>
    public int SnapshotEvery { get; set; } = 32;
}

/// <summary>Another activation of the same grain wrote first; this one must not acknowledge and reloads.</summary>
[GenerateSerializer, Alias("Omni.Journal.JournalConflictException")]
public sealed class JournalConflictException : Exception
{
    public JournalConflictException()
    {
    }

    public JournalConflictException(string message) : base(message)
    {
    }

    public JournalConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The change was not stored; the same call may be retried.</summary>
[GenerateSerializer, Alias("Omni.Journal.JournalUnavailableException")]
public sealed class JournalUnavailableException : Exception
{
    public JournalUnavailableException()
    {
    }

    public JournalUnavailableException(string message) : base(message)
    {
    }

    public JournalUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
