using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Omni.Journal;

namespace Omni.Tests.Carts;

/// <summary>
/// The journal committer against a real PostgreSQL and the real <c>omni_journal_append</c>:
/// two writers of one stream, a batch with a refused or poisoned commit, a connection killed
/// under load.
/// </summary>
[Trait("Tier", "Cluster")]
public sealed class JournalCommitterTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.Create();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private JournalCommitter Committer(NpgsqlDataSource? db = null, int writers = 2) =>
        new(db ?? _db.DataSource, Options.Create(new JournalOptions { Writers = writers }), NullLogger<JournalCommitter>.Instance);

    private static string Event(string id) => JsonSerializer.Serialize(new[] { new { id } });

    [Fact]
    public async Task Two_activations_of_one_stream_get_exactly_one_acknowledgement_per_version()
    {
        // Two silos' committers, two activations of the same grain racing version after version.
        await using var first = Committer();
        await using var second = Committer();
        const int Versions = 40;
        var acknowledged = new ConcurrentBag<(long Version, string Writer)>();

        async Task Writer(JournalCommitter committer, string name)
        {
            for (long expected = 0; expected < Versions; expected++)
            {
                try
                {
                    await committer.Append("cart/race", expected, Event($"{name}-{expected}"));
                    acknowledged.Add((expected + 1, name));
                }
                catch (JournalConflictException)
                {
                    // The other activation has this version: this one must not acknowledge it.
                }
            }
        }

        await Task.WhenAll(Writer(first, "a"), Writer(second, "b"));

        var stored = await Stored("cart/race");
        Assert.Equal(Enumerable.Range(1, Versions).Select(v => (long)v), acknowledged.Select(a => a.Version).Order());
        Assert.Equal(Versions, stored.Count);
        foreach (var (version, writer) in acknowledged)
        {
            Assert.Equal(Event($"{writer}-{version - 1}"), Compact(stored[version]));
        }
        Assert.Equal(Versions, await _db.Scalar<long>("SELECT version FROM omni_stream WHERE stream = 'cart/race'"));
    }

    /// <summary>
    /// A stream is snapshotted once enough commits gathered and their JSON is as long as its last
    /// snapshot: a large state (a store's pickup queue) is not rewritten every few small commits.
    /// </summary>
    [Fact]
    public async Task A_large_state_is_snapshotted_only_after_as_many_bytes_of_commits()
    {
        await using var committer = Committer();
        var large = new StreamJournal<string[], string[]>(committer, "pickup/large", snapshotEvery: 2);
        var small = new StreamJournal<string[], string[]>(committer, "cart/small", snapshotEvery: 2);
        string[] state = [new string('s', 10_000)];
        string[] commit = [new string('c', 1_000)];
        await large.Load(CancellationToken.None);
        await small.Load(CancellationToken.None);

        // The first snapshot comes after snapshotEvery commits, as for any stream.
        await large.Append(commit, () => state);
        await large.Append(commit, () => state);
        await SnapshotAt("pickup/large", 2);

        // Nine more 1 kB commits are less than the 10 kB state: no snapshot. The small stream's
        // snapshot, queued after them, shows the snapshot writer has passed that point.
        for (var i = 0; i < 9; i++)
        {
            await large.Append(commit, () => state);
        }
        await small.Append(["x"], () => ["small"]);
        await small.Append(["x"], () => ["small"]);
        await SnapshotAt("cart/small", 2);
        Assert.Equal(2, await _db.Scalar<long>("SELECT version FROM omni_snapshot WHERE stream = 'pickup/large'"));

        // The tenth brings the commits since the snapshot to its size.
        await large.Append(commit, () => state);
        await SnapshotAt("pickup/large", 12);

        // A new activation knows the size of the snapshot it loaded, and the commits after it.
        var reloaded = new StreamJournal<string[], string[]>(committer, "pickup/large", snapshotEvery: 2);
        var (snapshot, commits) = await reloaded.Load(CancellationToken.None);
        Assert.Equal(state, snapshot);
        Assert.Empty(commits);
        await reloaded.Append(commit, () => state);
        await reloaded.Append(commit, () => state);
        await small.Append(["x"], () => ["small"]);
        await small.Append(["x"], () => ["small"]);
        await SnapshotAt("cart/small", 4);
        Assert.Equal(12, await _db.Scalar<long>("SELECT version FROM omni_snapshot WHERE stream = 'pickup/large'"));
    }

    private Task SnapshotAt(string stream, long version) =>
        Eventually.True(async () => await _db.Scalar<long>("SELECT coalesce(max(version), 0) FROM omni_snapshot WHERE stream = $1", stream) == version,
            TimeSpan.FromSeconds(10), $"the snapshot of {stream} at version {version}");

    [Fact]
    public async Task A_refused_or_poisoned_commit_fails_alone_and_the_rest_of_its_batch_is_written()
    {
        await using var committer = Committer(writers: 1);
        await committer.Append("cart/moved-on", 0, Event("first"));
        var honest = Enumerable.Range(0, 30).Select(i => $"cart/honest-{i}").ToList();

        // All queued at once: one writer takes them in as few batches as it can.
        var appends = honest.Select(s => committer.Append(s, 0, Event(s))).ToList();
        var stale = committer.Append("cart/moved-on", 0, Event("stale"));
        var nul = committer.Append("cart/nul", 0, "[{\"id\":\"a\\u0000b\"}]");
        var loneSurrogate = committer.Append("cart/surrogate", 0, "[{\"id\":\"\\ud800\"}]");
        appends.AddRange(honest.Take(10).Select(s => committer.Append(s + "-again", 0, Event(s))));

        await Task.WhenAll(appends);
        await Assert.ThrowsAsync<JournalConflictException>(() => stale);
        await Assert.ThrowsAsync<JournalUnavailableException>(() => nul);
        await Assert.ThrowsAsync<JournalUnavailableException>(() => loneSurrogate);
        Assert.Equal(40, await _db.Scalar<long>("SELECT count(*) FROM omni_commit WHERE stream LIKE 'cart/honest-%'"));
        Assert.Equal(0, await _db.Scalar<long>("SELECT count(*) FROM omni_commit WHERE stream IN ('cart/nul', 'cart/surrogate')"));
        Assert.Equal(Event("first"), Compact((await Stored("cart/moved-on"))[1]));
    }

    [Fact]
    public async Task Killing_the_committers_connections_under_load_loses_no_acknowledged_commit_and_writes_none_twice()
    {
        var appName = $"journal-kill-{Guid.NewGuid():N}"[..24];
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_db.ConnectionString) { ApplicationName = appName }.ConnectionString);
        await using var committer = Committer(source);
        const int Streams = 16, PerStream = 60;
        var acknowledged = new ConcurrentBag<(string Stream, long Version, string Event)>();
        var failures = 0;
        using var stop = new CancellationTokenSource();

        async Task Writer(int n)
        {
            var stream = $"cart/kill-{n}";
            long head = 0;
            for (var i = 0; i < PerStream; i++)
            {
                var e = Event($"{stream}-e{i}");
                try
                {
                    await committer.Append(stream, head, e);
                    acknowledged.Add((stream, ++head, e));
                }
                catch (Exception ex) when (ex is JournalUnavailableException or JournalConflictException)
                {
                    // Not acknowledged: it may or may not be there. Reload the head, as a grain would.
                    Interlocked.Increment(ref failures);
                    head = await _db.Scalar<long>("SELECT coalesce(max(version), 0) FROM omni_commit WHERE stream = $1", stream);
                }
            }
        }

        var killer = Task.Run(async () =>
        {
            var killed = 0;
            while (!stop.IsCancellationRequested)
            {
                killed += (int)await _db.Scalar<long>(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", appName);
                await Task.Delay(25);
            }
            return killed;
        });
        await Task.WhenAll(Enumerable.Range(0, Streams).Select(Writer));
        await stop.CancelAsync();
        var killedConnections = await killer;

        Assert.True(killedConnections > 0, "the test never killed a connection, so it proved nothing");
        var byStream = acknowledged.GroupBy(a => a.Stream);
        foreach (var stream in byStream)
        {
            var stored = await Stored(stream.Key);
            foreach (var ack in stream)
            {
                Assert.Equal(ack.Event, Compact(stored[ack.Version]));
            }
            // Every event at most once, acknowledged or not.
            var events = stored.Values.Select(Compact).ToList();
            Assert.Equal(events.Count, events.Distinct().Count());
        }
        Assert.True(acknowledged.Count + failures == Streams * PerStream);
    }

    private async Task<Dictionary<long, string>> Stored(string stream)
    {
        await using var command = _db.DataSource.CreateCommand("SELECT version, events::text FROM omni_commit WHERE stream = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        await using var reader = await command.ExecuteReaderAsync();
        var stored = new Dictionary<long, string>();
        while (await reader.ReadAsync())
        {
            stored.Add(reader.GetInt64(0), reader.GetString(1));
        }
        return stored;
    }

    /// <summary>jsonb prints with spaces; compare documents in one compact form.</summary>
    private static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
