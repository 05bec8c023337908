using Omni.Carts;

namespace Omni.Orders;

/// <summary>
/// One store's pickup queue, free of Orleans: the newest known state of every order with a pickup
/// here. An order's state is taken only if it is newer than the one held, so a retried or
/// redelivered update never counts twice. Orders whose pickup here is over (picked up or
/// cancelled) are kept, newest first: at least the last <see cref="KeepFinished"/>, at most
/// <see cref="PruneSlack"/> more (pruning sorts them, so it runs once per that many, not per change).
/// </summary>
public sealed class PickupQueue(string storeId)
{
    public const int KeepFinished = 200;
    public const int PruneSlack = 50;

    private readonly Dictionary<Guid, OrderView> _orders = [];
    private int _finished;

    public long Version { get; private set; }
    public PickupQueueChange? Last { get; private set; }

    /// <summary>The commit that records <paramref name="order"/>, or null when the queue has this version or a newer one.</summary>
    public PickupQueueCommit? Accept(OrderView order) =>
        order.PickupAt(storeId) is null || (_orders.TryGetValue(order.Id, out var held) && held.Version >= order.Version)
            ? null
            : new PickupQueueCommit(order);

    public void Apply(PickupQueueCommit commit)
    {
        Put(commit.Order);
        Version++;
        Last = new PickupQueueChange(Version, commit.Order);
        if (_finished > KeepFinished + PruneSlack)
        {
            foreach (var order in _orders.Values.Where(IsFinished).OrderByDescending(o => o.PickupAt(storeId)!.UpdatedAt).Skip(KeepFinished).ToList())
            {
                _orders.Remove(order.Id);
            }
            _finished = KeepFinished;
        }
    }

    private void Put(OrderView order)
    {
        if (_orders.TryGetValue(order.Id, out var held) && IsFinished(held))
        {
            _finished--;
        }
        _orders[order.Id] = order;
        if (IsFinished(order))
        {
            _finished++;
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
            queue.Put(order);
        }
        return queue;
    }
}

/// <summary>One durable change of a pickup queue: an order's newer state.</summary>
public sealed record PickupQueueCommit(OrderView Order);

public sealed record PickupQueueSnapshot(IReadOnlyList<OrderView> Orders, long Version, PickupQueueChange? Last);
