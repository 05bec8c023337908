using System.Text.Json;

namespace Omni.Journal;

/// <summary>
/// One grain's stream in the journal: loads it, appends one commit per durable change through
/// the silo's <see cref="JournalCommitter"/>, and snapshots it every so many commits. The
/// grain's own version is the stream's: commit n is version n.
/// </summary>
/// <typeparam name="TCommit">what one durable change records (a few small events)</typeparam>
/// <typeparam name="TSnapshot">the grain's state as one document</typeparam>
public sealed class StreamJournal<TCommit, TSnapshot>(JournalCommitter committer, string stream, int snapshotEvery)
    where TCommit : class
    where TSnapshot : class
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    private int _sinceSnapshot;

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
        return (snapshot, commits);
    }

    /// <summary>
    /// Makes <paramref name="commit"/> durable as version <see cref="Version"/> + 1 (marking or
    /// clearing a saga in flight, when <paramref name="inFlight"/> says so). After it, a snapshot
    /// is queued (not waited for) once enough commits have gathered.
    /// </summary>
    /// <exception cref="JournalConflictException">another activation of this grain wrote first</exception>
    /// <exception cref="JournalUnavailableException">nothing was stored</exception>
    public async Task Append(TCommit commit, Func<TSnapshot> snapshot, bool? inFlight = null, bool? anonymous = null)
    {
        await committer.Append(stream, Version, JsonSerializer.Serialize(commit, Json), inFlight, anonymous);
        Version++;
        if (++_sinceSnapshot >= snapshotEvery)
        {
            _sinceSnapshot = 0;
            committer.Snapshot(stream, Version, JsonSerializer.Serialize(snapshot(), Json));
        }
    }

    /// <summary>
    /// A stream that had no commits yet starts from a state brought over from elsewhere (an
    /// upgrade from the per-grain storage of earlier versions): written as its first snapshot.
    /// </summary>
    public async Task Adopt(long version, TSnapshot state, CancellationToken cancellationToken)
    {
        // Durable before any commit builds on it: a commit without its base would replay wrong.
        await committer.WriteSnapshot(stream, version, JsonSerializer.Serialize(state, Json), cancellationToken);
        Version = version;
    }
}
