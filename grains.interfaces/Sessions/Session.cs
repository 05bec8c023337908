using Omni.Carts;

namespace Omni.Sessions;

[GenerateSerializer, Immutable, Alias("Omni.Sessions.SessionView")]
public sealed record SessionView(
    [property: Id(0)] string Id,
    [property: Id(1)] Channel Channel,
    [property: Id(2)] string? CustomerId,
    [property: Id(3)] Guid CartId,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] DateTimeOffset LastSeenAt);

[GenerateSerializer, Immutable, Alias("Omni.Sessions.SessionResult")]
public sealed record SessionResult(
    [property: Id(0)] SessionView? Session,
    [property: Id(1)] IReadOnlyList<UserError> Errors);

/// <summary>What a cart change needs of the session it came through: no cart, so no call to the customer.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Sessions.SessionTag")]
public sealed record SessionTag(
    [property: Id(0)] Channel Channel,
    [property: Id(1)] string? CustomerId);

/// <summary>One device session (key: session id).</summary>
[Alias("Omni.Sessions.ISessionGrain")]
public interface ISessionGrain : IGrainWithStringKey
{
    [Alias("Get"), ReadOnly]
    Task<SessionView?> Get();

    /// <summary>Starts the session: on the customer's cart when signed in, else on a fresh anonymous cart.</summary>
    [Alias("Start")]
    Task<SessionView> Start(Channel channel, string? customerId);

    /// <summary>Sign-in: the session's anonymous cart merges into the customer's cart. Warnings (lines cut to available stock) come back as errors beside the session.</summary>
    [Alias("AttachCustomer")]
    Task<SessionResult> AttachCustomer(string customerId);

    [Alias("Touch")]
    Task Touch();

    /// <summary>The session's channel and customer, for a change made through it (marks it seen); null if it was never started.</summary>
    [Alias("Use")]
    Task<SessionTag?> Use();
}
