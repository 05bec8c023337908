using System.Text.Json.Serialization;
using Omni.Carts;

namespace Omni.Sessions;

/// <summary>
/// A device session's state and its few rules (started once; a customer attaches once), free of
/// Orleans and storage. Commands emit events; <see cref="Apply"/> is the only place state changes.
/// </summary>
public sealed class SessionLedger
{
    private readonly List<SessionEvent> _pending = [];

    public bool Started { get; private set; }
    public Channel Channel { get; private set; }
    public string? CustomerId { get; private set; }
    public Guid CartId { get; private set; }
    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }

    /// <summary>When last-seen was last written: in between it lives in memory.</summary>
    public DateTimeOffset SeenWrittenAt { get; private set; }

    public void Start(Channel channel, string? customerId, Guid cartId, DateTimeOffset now)
    {
        if (!Started)
        {
            Emit(new SessionStarted(channel, customerId, cartId, now));
        }
    }

    public UserError? CheckAttach(string sessionId, string customerId) =>
        !Started ? UserError.NotFound("sessionId", $"no session {sessionId}")
        : CustomerId is not null && CustomerId != customerId ? new UserError(ErrorCode.CONFLICT, "this session belongs to another customer", "sessionId")
        : null;

    public void Attach(string customerId, Guid cartId, DateTimeOffset now)
    {
        if (CustomerId != customerId)
        {
            Emit(new CustomerAttached(customerId, cartId, now));
        }
    }

    /// <summary>Marks the session seen; an event (to be written) only when the last one written is older than <paramref name="writeEvery"/>.</summary>
    public void Seen(DateTimeOffset now, TimeSpan writeEvery)
    {
        if (!Started)
        {
            return;
        }
        LastSeenAt = now;
        if (now - SeenWrittenAt > writeEvery)
        {
            Emit(new SessionSeen(now));
        }
    }

    public IReadOnlyList<SessionEvent>? TakeCommit()
    {
        if (_pending.Count == 0)
        {
            return null;
        }
        var commit = _pending.ToArray();
        _pending.Clear();
        return commit;
    }

    public void Apply(IReadOnlyList<SessionEvent> commit)
    {
        foreach (var e in commit)
        {
            Apply(e);
        }
    }

    private void Emit(SessionEvent e)
    {
        _pending.Add(e);
        Apply(e);
    }

    private void Apply(SessionEvent e)
    {
        switch (e)
        {
            case SessionStarted s:
                Started = true;
                Channel = s.Channel;
                CustomerId = s.CustomerId;
                CartId = s.CartId;
                StartedAt = LastSeenAt = SeenWrittenAt = s.At;
                break;
            case CustomerAttached a:
                CustomerId = a.CustomerId;
                CartId = a.CartId;
                LastSeenAt = SeenWrittenAt = a.At;
                break;
            case SessionSeen s:
                LastSeenAt = SeenWrittenAt = s.At;
                break;
            default:
                throw new InvalidOperationException($"unknown session event {e.GetType().Name}");
        }
    }

    public SessionSnapshot ToSnapshot() => new(Started, Channel, CustomerId, CartId, StartedAt, LastSeenAt);

    public static SessionLedger FromSnapshot(SessionSnapshot s) => new()
    {
        Started = s.Started,
        Channel = s.Channel,
        CustomerId = s.CustomerId,
        CartId = s.CartId,
        StartedAt = s.StartedAt,
        LastSeenAt = s.LastSeenAt,
        SeenWrittenAt = s.LastSeenAt,
    };
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(SessionStarted), "started")]
[JsonDerivedType(typeof(CustomerAttached), "attached")]
[JsonDerivedType(typeof(SessionSeen), "seen")]
public abstract record SessionEvent;

public sealed record SessionStarted(Channel Channel, string? CustomerId, Guid CartId, DateTimeOffset At) : SessionEvent;
public sealed record CustomerAttached(string CustomerId, Guid CartId, DateTimeOffset At) : SessionEvent;
public sealed record SessionSeen(DateTimeOffset At) : SessionEvent;

/// <summary>A session as one document: the journal's snapshot, and the shape earlier versions stored whole ("session").</summary>
public sealed record SessionSnapshot(bool Started, Channel Channel, string? CustomerId, Guid CartId, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt);
