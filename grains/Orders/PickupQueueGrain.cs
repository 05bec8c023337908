using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
