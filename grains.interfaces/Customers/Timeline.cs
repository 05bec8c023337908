using Omni.Carts;

namespace Omni.Customers;

/// <summary>The contract's <c>TimelineKind</c>.</summary>
[GenerateSerializer, Alias("Omni.Customers.TimelineKind")]
public enum TimelineKind
{
    SESSION_STARTED,
    SIGNED_IN,
    ORDER_PLACED,
    ORDER_UPDATED,
    ORDER_CANCELLED,
    STORE_SALE,
    RETURN,
    POINTS_EARNED,
    POINTS_REDEEMED,
    POINTS_REVERSED,
    WALLET_TOPPED_UP,
    WALLET_CHARGED,
}

/// <summary>
/// One thing that happened to a customer, on any channel. <see cref="Id"/> is chosen by the
/// source (its stream and the version of the event), so the same source event delivered twice
/// is the same entry.
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Customers.TimelineEntry")]
public sealed record TimelineEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] TimelineKind Kind,
    [property: Id(3)] string Summary,
    [property: Id(4)] Channel? Channel = null,
    [property: Id(5)] string? StoreId = null,
    [property: Id(6)] Guid? OrderId = null,
    [property: Id(7)] decimal? Amount = null,
    [property: Id(8)] int? Points = null);

/// <summary>An entry as the timeline keeps it: its position among the customer's entries.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Customers.TimelineItem")]
public sealed record TimelineItem(
    [property: Id(0)] long Sequence,
    [property: Id(1)] TimelineEntry Entry);

/// <summary>
/// A customer's timeline (key: customer id). Sources deliver their entries at least once, in
/// their own order; the timeline keeps each entry id once, so a redelivery changes nothing.
/// </summary>
[Alias("Omni.Customers.ICustomerTimelineGrain")]
public interface ICustomerTimelineGrain : IGrainWithStringKey
{
    /// <summary>Stores the entries not seen before, in the order given, and returns once they are durable.</summary>
    [Alias("Deliver")]
    Task Deliver(IReadOnlyList<TimelineEntry> entries);

    /// <summary>Newest first: up to <paramref name="first"/> entries older than the entry <paramref name="before"/> (all when null).</summary>
    [Alias("Page"), ReadOnly]
    Task<IReadOnlyList<TimelineEntry>> Page(int first, string? before);

    /// <summary>The newest entry, if any (what a late subscriber sees first).</summary>
    [Alias("Last"), ReadOnly]
    Task<TimelineItem?> Last();

    /// <summary>Registers (or renews) the observer; returns the sequence number it will hear the entries after.</summary>
    [Alias("Subscribe")]
    Task<long> Subscribe(ITimelineObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(ITimelineObserver observer);
}

[Alias("Omni.Customers.ITimelineObserver")]
public interface ITimelineObserver : IGrainObserver
{
    [Alias("EntryAdded"), OneWay]
    Task EntryAdded(TimelineItem item);
}
