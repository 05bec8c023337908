using System.Text.Json;

namespace Omni.Journal;

/// <summary>
/// One grain's stream in the journal: loads it, appends one commit per durable change through
/// the silo's <see cref="JournalCommitter"/>, and snapshots it now and then. The grain's own
/// version is the stream's: commit n is version n.
/// <para>
/// A snapshot is taken once at least <c>snapshotEvery</c> commits have gathered since the last one
/// and their JSON is at least as long as that snapshot's: a small cart is snapshotted every 32
/// commits, a store's pickup queue of a thousand waiting orders (a megabyte of state) only after
/// as many bytes of commits. Loading a stream so reads at most about twice its state, and no grain
/// writes a large state more often than it writes the same amount of commits.
/// </para>
/// </summary>
/// <typeparam name="TCommit">what one durable change records (a few small events)</typeparam>
/// <typeparam name="TSnapshot">the grain's state as one document</typeparam>
public sealed class StreamJournal<TCommit, TSnapshot>(JournalCommitter committer, string stream, int snapshotEvery)
    where TCommit : class
    where TSnapshot : class
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    private int _sinceSnapshot;
    private long _bytesSinceSnapshot;
    private long _lastSnapshotBytes;

    /// <summary>The last durable version.</summary>
    public long Version { get; private set; }

    /// <summary>The latest snapshot (null when none) and the commits after it, in order.</summary>
    public async Task<(TSnapshot? Snapshot, IReadOnlyList<TCommit> Commits)> Load(CancellationToken cancellationToken)
    {
        var contents = await committer.Load(stream, cancellationToken);
        var snapshot = contents.Snapshot is null ? null : JsonSerializer.Deserialize<TSnapshot>(contents.Snapshot, Json);
        var commits = contents.Commits.Select(c => JsonSerializer.Deserialize<TCommit>(c.Events, Json)!).ToList();
        Version = contents.Head;
        _sinceSnapshot = commits.Count;
        _bytesSinceSnapshot = contents.Commits.Sum(c => (long)c.Events.Length);
        _lastSnapshotBytes = contents.Snapshot?.Length ?? 0;
        return (snapshot, commits);
    }

    /// <summary>
    /// Makes <paramref name="commit"/> durable as version <see cref="Version"/> + 1 (marking or
    /// clearing a saga in flight, when <paramref name="inFlight"/> says so). After it, a snapshot
    /// is queued (not waited for) once enough commits have gathered (see the class).
    /// </summary>
    /// <exception cref="JournalConflictException">another activation of this grain wrote first</exception>
    /// <exception cref="JournalUnavailableException">nothing was stored</exception>
    public async Task Append(TCommit commit, Func<TSnapshot> snapshot, bool? inFlight = null, bool? anonymous = null)
    {
        var events = JsonSerializer.Serialize(commit, Json);
        await committer.Append(stream, Version, events, inFlight, anonymous);
        Version++;
        _bytesSinceSnapshot += events.Length;
        if (++_sinceSnapshot >= snapshotEvery && _bytesSinceSnapshot >= _lastSnapshotBytes)
        {
            var state = JsonSerializer.Serialize(snapshot(), Json);
            _sinceSnapshot = 0;
            _bytesSinceSnapshot = 0;
            _lastSnapshotBytes = state.Length;
            committer.Snapshot(stream, Version, state);
        }
    }

    /// <summary>
    /// A stream that had no commits yet starts from a state brought over from elsewhere (an
    /// upgrade from the per-grain storage of earlier versions): written as its first snapshot.
    /// </summary>
    public async Task Adopt(long version, TSnapshot state, CancellationToken cancellationToken)
    {
        // Durable before any commit builds on it: a commit without its base would replay wrong.
        var json = JsonSerializer.Serialize(state, Json);
        await committer.WriteSnapshot(stream, version, json, cancellationToken);
        Version = version;
        _lastSnapshotBytes = json.Length;
    }
}
