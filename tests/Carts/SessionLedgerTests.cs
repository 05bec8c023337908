using Omni.Carts;
using Omni.Sessions;

namespace Omni.Tests.Carts;

/// <summary>
/// A device session's few rules in <see cref="SessionLedger"/>: started once, a customer attaches
/// once and no other customer takes it over, last-seen written only every so often, and the
/// commits (and a snapshot) rebuild the same session.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class SessionLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid Cart = Guid.Parse("6f1c2a0e-0000-4000-8000-000000000010");
    private static readonly Guid OtherCart = Guid.Parse("6f1c2a0e-0000-4000-8000-000000000011");
    private static readonly TimeSpan WriteEvery = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_session_not_started_is_not_found_and_is_not_marked_seen()
    {
        var session = new SessionLedger();

        Assert.Equal(new UserError(ErrorCode.NOT_FOUND, "no session s1", "sessionId"), session.CheckAttach("s1", "c1"));
        session.Seen(Now, WriteEvery);
        Assert.Null(session.TakeCommit());
        Assert.Equal(default, session.LastSeenAt);
        Assert.False(session.Started);
    }

    [Fact]
    public void A_session_starts_once()
    {
        var session = new SessionLedger();
        session.Start(Channel.APP, null, Cart, Now);
        session.Start(Channel.WEB, "c9", OtherCart, Now.AddMinutes(1));

        var commit = session.TakeCommit()!;

        Assert.Equal(new SessionStarted(Channel.APP, null, Cart, Now), Assert.Single(commit));
        Assert.Equal((true, Channel.APP, (string?)null, Cart, Now, Now), (session.Started, session.Channel, session.CustomerId, session.CartId, session.StartedAt, session.LastSeenAt));
        Assert.Null(session.TakeCommit());
    }

    [Fact]
    public void A_customer_attaches_once_and_no_other_customer_takes_the_session_over()
    {
        var session = new SessionLedger();
        session.Start(Channel.WEB, null, Cart, Now);
        session.TakeCommit();

        Assert.Null(session.CheckAttach("s1", "c1"));
        session.Attach("c1", OtherCart, Now.AddMinutes(1));
        session.Attach("c1", Cart, Now.AddMinutes(2));
        var commit = session.TakeCommit()!;

        Assert.Equal(new CustomerAttached("c1", OtherCart, Now.AddMinutes(1)), Assert.Single(commit));
        Assert.Equal(("c1", OtherCart, Now.AddMinutes(1)), (session.CustomerId, session.CartId, session.LastSeenAt));
        Assert.Null(session.CheckAttach("s1", "c1"));
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "this session belongs to another customer", "sessionId"), session.CheckAttach("s1", "c2"));
    }

    [Fact]
    public void Last_seen_moves_in_memory_and_is_written_only_once_the_written_one_is_older_than_the_period()
    {
        var session = new SessionLedger();
        session.Start(Channel.POS, "c1", Cart, Now);
        session.TakeCommit();

        session.Seen(Now + WriteEvery, WriteEvery);
        Assert.Null(session.TakeCommit());
        Assert.Equal(Now + WriteEvery, session.LastSeenAt);
        Assert.Equal(Now, session.SeenWrittenAt);

        var later = Now + WriteEvery + TimeSpan.FromTicks(1);
        session.Seen(later, WriteEvery);
        Assert.Equal(new SessionSeen(later), Assert.Single(session.TakeCommit()!));
        Assert.Equal((later, later), (session.LastSeenAt, session.SeenWrittenAt));
    }

    [Fact]
    public void Commits_and_a_snapshot_rebuild_the_same_session()
    {
        var session = new SessionLedger();
        var commits = new List<IReadOnlyList<SessionEvent>>();
        session.Start(Channel.APP, null, Cart, Now);
        commits.Add(session.TakeCommit()!);
        session.Attach("c1", OtherCart, Now.AddMinutes(1));
        session.Seen(Now.AddMinutes(20), WriteEvery);
        commits.Add(session.TakeCommit()!);

        var replayed = new SessionLedger();
        foreach (var commit in commits)
        {
            replayed.Apply(commit);
        }
        var resumed = SessionLedger.FromSnapshot(session.ToSnapshot());

        Assert.Equal(session.ToSnapshot(), replayed.ToSnapshot());
        Assert.Equal(session.ToSnapshot(), resumed.ToSnapshot());
        Assert.Equal(new SessionSnapshot(true, Channel.APP, "c1", OtherCart, Now, Now.AddMinutes(20)), resumed.ToSnapshot());
        Assert.Equal(Now.AddMinutes(20), resumed.SeenWrittenAt);
        Assert.Equal(Now.AddMinutes(20), replayed.SeenWrittenAt);
    }
}
