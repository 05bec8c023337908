using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Journal;
using Orleans.Utilities;

namespace Omni.Orders;

/// <summary>
/// The orders with a pickup at one store, the screen behind its pickup counter: the Orleans shell
/// around <see cref="PickupQueue"/>. Each order that changes tells the queue of every store it
/// has a pickup at; the change is journaled (one commit per new order version, none for a version
/// the queue already has) and then published to the counters watching.
/// </summary>
public sealed partial class PickupQueueGrain(
    JournalCommitter committer,
    IOptions<JournalOptions> journalOptions,
    ILogger<PickupQueueGrain> logger) : Grain, IPickupQueueGrain
{
    private readonly ObserverManager<IPickupQueueObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private PickupQueue _queue = null!;
    private StreamJournal<PickupQueueCommit, PickupQueueSnapshot> _journal = null!;
    private bool _broken;

    private string StoreId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"pickup/{StoreId}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        _queue = snapshot is null ? new PickupQueue(StoreId) : PickupQueue.FromSnapshot(StoreId, snapshot);
        foreach (var commit in commits)
        {
            _queue.Apply(commit);
        }
    }

    public async Task Update(OrderView order)
    {
        if (_broken)
        {
            throw new JournalUnavailableException($"pickup queue {StoreId} is reloading after a failed write; retry");
        }
        if (_queue.Accept(order) is not { } commit)
        {
            return;
        }
        try
        {
            await _journal.Append(commit, _queue.ToSnapshot);
        }
        catch (Exception e)
        {
            _broken = true;
            DeactivateOnIdle();
            LogCommitFailed(logger, e, StoreId);
            throw new JournalUnavailableException($"pickup queue {StoreId} could not store its change; retry", e);
        }
        _queue.Apply(commit);
        var change = new PickupQueueChange(_queue.Version, order);
        await _observers.Notify(o => o.QueueChanged(change));
    }

    public Task<IReadOnlyList<OrderView>> List(FulfillmentStatus? status, int first) => Task.FromResult(_queue.List(status, first));

    public Task<PickupQueueChange?> Last() => Task.FromResult(_queue.Last);

    public Task Subscribe(IPickupQueueObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IPickupQueueObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Pickup queue {StoreId}: a change was not stored; reloading")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string storeId);
}

/// <summary>
/// One store's pickup queue, free of Orleans: the newest known state of every order with a pickup
/// here. An order's state is taken only if it is newer than the one held, so a retried or
/// redelivered update never counts twice. Orders whose pickup here is over (picked up or
/// cancelled) are kept, newest first, up to <see cref="KeepFinished"/>.
/// </summary>
public sealed class PickupQueue(string storeId)
{
    public const int KeepFinished = 200;

    private readonly Dictionary<Guid, OrderView> _orders = [];

    public long Version { get; private set; }
    public PickupQueueChange? Last { get; private set; }

    /// <summary>The commit that records <paramref name="order"/>, or null when the queue has this version or a newer one.</summary>
    public PickupQueueCommit? Accept(OrderView order) =>
        order.PickupAt(storeId) is null || (_orders.TryGetValue(order.Id, out var held) && held.Version >= order.Version)
            ? null
            : new PickupQueueCommit(order);

    public void Apply(PickupQueueCommit commit)
    {
        _orders[commit.Order.Id] = commit.Order;
        Version++;
        Last = new PickupQueueChange(Version, commit.Order);
        var finished = _orders.Values.Where(o => IsFinished(o)).OrderByDescending(o => o.PickupAt(storeId)!.UpdatedAt).Skip(KeepFinished).ToList();
        foreach (var order in finished)
        {
            _orders.Remove(order.Id);
        }
    }

    public IReadOnlyList<OrderView> List(FulfillmentStatus? status, int first) =>
        [.. _orders.Values
            .Where(o => status is null || o.PickupAt(storeId)!.Status == status)
            .OrderBy(o => o.PlacedAt).ThenBy(o => o.Id)
            .Take(first)];

    private bool IsFinished(OrderView order) =>
        order.PickupAt(storeId)!.Status is FulfillmentStatus.PICKED_UP or FulfillmentStatus.CANCELLED;

    public PickupQueueSnapshot ToSnapshot() => new([.. _orders.Values], Version, Last);

    public static PickupQueue FromSnapshot(string storeId, PickupQueueSnapshot snapshot)
    {
        var queue = new PickupQueue(storeId) { Version = snapshot.Version, Last = snapshot.Last };
        foreach (var order in snapshot.Orders)
        {
            queue._orders[order.Id] = order;
        }
        return queue;
    }
}

/// <summary>One durable change of a pickup queue: an order's newer state.</summary>
public sealed record PickupQueueCommit(OrderView Order);

public sealed record PickupQueueSnapshot(IReadOnlyList<OrderView> Orders, long Version, PickupQueueChange? Last);
