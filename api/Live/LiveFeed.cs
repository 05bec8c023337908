using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Omni.Api.Live;

/// <summary>A feed's grain-side observer for one key: an object reference registered with the grain.</summary>
public interface IFeedRegistration
{
    /// <summary>Subscribes the observer with the grain, or renews it (the grain forgets it after a minute).</summary>
    Task Renew();

    /// <summary>Unsubscribes from the grain and deletes the object reference.</summary>
    Task Remove();
}

/// <summary>
/// A node's registration with one grain: this object is the observer the grain calls back
/// (<typeparamref name="TObserver"/>), behind an object reference made once. Subclasses name the
/// grain's subscribe and unsubscribe calls and forward the callback to <see cref="Publish"/>.
/// </summary>
public abstract class GrainObserverRegistration<TObserver, TState> : IFeedRegistration
    where TObserver : IGrainObserver
{
    private readonly IClusterClient _client;
    private readonly Action<TState> _publish;
    private readonly TObserver _reference;

    protected GrainObserverRegistration(IClusterClient client, Action<TState> publish)
    {
        (_client, _publish) = (client, publish);
        _reference = client.CreateObjectReference<TObserver>((IGrainObserver)this);
    }

    protected abstract Task Subscribe(TObserver reference);

    protected abstract Task Unsubscribe(TObserver reference);

    protected Task Publish(TState state)
    {
        _publish(state);
        return Task.CompletedTask;
    }

    public Task Renew() => Subscribe(_reference);

    public async Task Remove()
    {
        try
        {
            await Unsubscribe(_reference);
        }
        finally
        {
            _client.DeleteObjectReference<TObserver>((IGrainObserver)this);
        }
    }
}

/// <summary>A feed the renewal loop keeps registered.</summary>
public interface ILiveFeed
{
    /// <summary>Renews every registration and re-reads each key's current state for its subscribers.</summary>
    Task Renew(CancellationToken cancellationToken);
}

/// <summary>
/// The live states of one kind of grain (carts, orders, stock) on this API node. However many
/// subscribers watch a key, the grain holds one observer registration for it per node: the first
/// subscriber creates it, the last one to leave removes it. The grain's callback only hands the
/// state to each subscriber's bounded buffer, so it never waits on a socket; each subscriber has a
/// pump that delivers its states in version order and drops anything not newer than what it already
/// delivered. Where the grain notifies every version (carts), a state that arrives ahead of a
/// missing version waits briefly for it (<see cref="ReorderWait"/>). A subscriber that falls a whole
/// buffer behind skips to the newest state: it is a full state, and its version tells the client
/// what it skipped.
/// </summary>
public abstract partial class LiveFeed<TState> : ILiveFeed where TState : class
{
    private readonly Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int _buffer;
    private readonly ILogger _logger;

    protected LiveFeed(IOptions<LiveOptions> options, ILogger logger)
    {
        _buffer = options.Value.SubscriberBuffer;
        _logger = logger;
    }

    /// <summary>Keys with a registration on this node (diagnostics and tests).</summary>
    public int RegisteredKeys
    {
        get
        {
            lock (_lock)
            {
                return _topics.Count;
            }
        }
    }

    /// <summary>
    /// The states of <paramref name="key"/>: <paramref name="initial"/> (if given) at once, the current
    /// state once the registration is in place, then every change, newer versions only.
    /// </summary>
    public IObservable<TState> Watch(string key, TState? initial = null) => new Watcher(this, key, initial);

    public async Task Renew(CancellationToken cancellationToken)
    {
        Topic[] topics;
        lock (_lock)
        {
            topics = [.. _topics.Values];
        }
        await Parallel.ForEachAsync(topics, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (topic, _) =>
            {
                if (!IsCurrent(topic))
                {
                    return; // its last subscriber left meanwhile: renewing would outlive the removal
                }
                try
                {
                    await topic.Registration.Renew();
                    // Changes made while the grain had lost this observer (it moved to another silo) show up here.
                    if (await Current(topic.Key) is { } current)
                    {
                        Renewed(topic.Registration, current, topic.Publish);
                    }
                }
                catch (Exception e)
                {
                    LogRenewFailed(_logger, e, GetType().Name, topic.Key);
                }
            });
    }

    protected abstract long VersionOf(TState state);

    /// <summary>
    /// For a feed whose grain notifies every version (each commit is the previous version plus
    /// one): how long a subscriber holds a state that arrived ahead of a missing version before it
    /// gives that version up. Orleans does not promise the order of messages that take different
    /// routes (a notification through one gateway, a read's answer or another notification
    /// through another), so without this an early newer state made the older one look stale.
    /// Zero (the default) for feeds whose versions may jump between notifications.
    /// </summary>
    protected virtual TimeSpan ReorderWait => TimeSpan.Zero;

    /// <summary>The key's state now, read from its grain.</summary>
    protected abstract Task<TState?> Current(string key);

    /// <summary>
    /// The state a renewal read: published to the key's subscribers. A feed whose registration puts
    /// the grain's callbacks in order routes it through there, so it cannot overtake changes still
    /// on their way.
    /// </summary>
    protected virtual void Renewed(IFeedRegistration registration, TState current, Action<TState> publish) => publish(current);

    /// <summary>Creates (but does not yet subscribe) the grain-side observer for <paramref name="key"/>.</summary>
    protected abstract IFeedRegistration Register(string key, Action<TState> publish);

    private Topic Join(string key, Subscriber subscriber)
    {
        Topic topic;
        var created = false;
        lock (_lock)
        {
            if (!_topics.TryGetValue(key, out topic!))
            {
                topic = new Topic(key);
                topic.Registration = Register(key, topic.Publish);
                _topics[key] = topic;
                created = true;
            }
            topic.Add(subscriber);
        }
        if (created)
        {
            _ = Activate(topic);
        }
        return topic;
    }

    private async Task Activate(Topic topic)
    {
        try
        {
            await topic.Registration.Renew();
            topic.Ready.TrySetResult();
        }
        catch (Exception e)
        {
            LogRegisterFailed(_logger, e, GetType().Name, topic.Key);
            topic.Ready.TrySetException(e);
        }
    }

    private bool IsCurrent(Topic topic)
    {
        lock (_lock)
        {
            return _topics.TryGetValue(topic.Key, out var current) && current == topic;
        }
    }

    private void Leave(Topic topic, Subscriber subscriber)
    {
        bool last;
        lock (_lock)
        {
            last = topic.Remove(subscriber) == 0 && _topics.TryGetValue(topic.Key, out var current) && current == topic;
            if (last)
            {
                _topics.Remove(topic.Key);
            }
        }
        if (last)
        {
            _ = Drop(topic);
        }
    }

    private async Task Drop(Topic topic)
    {
        try
        {
            // After the first subscribe has landed, so it cannot overtake the unsubscribe.
            await topic.Ready.Task.ContinueWith(static _ => { }, TaskScheduler.Default);
            await topic.Registration.Remove();
        }
        catch (Exception e)
        {
            // The grain forgets the observer within a minute anyway.
            LogRemoveFailed(_logger, e, GetType().Name, topic.Key);
        }
    }

    /// <summary>One key on this node: its registration and its subscribers.</summary>
    private sealed class Topic(string key)
    {
        private Subscriber[] _subscribers = [];

        public string Key { get; } = key;
        public IFeedRegistration Registration { get; set; } = null!;
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The grain's callback: hands the state to every subscriber's buffer and returns.</summary>
        public void Publish(TState state)
        {
            foreach (var subscriber in Volatile.Read(ref _subscribers))
            {
                subscriber.Post(state);
            }
        }

        // Add and Remove run under the feed's lock; Publish reads a snapshot without it.
        public void Add(Subscriber subscriber) => Volatile.Write(ref _subscribers, [.. _subscribers, subscriber]);

        public int Remove(Subscriber subscriber)
        {
            Volatile.Write(ref _subscribers, [.. _subscribers.Where(s => s != subscriber)]);
            return _subscribers.Length;
        }
    }

    private sealed class Watcher(LiveFeed<TState> feed, string key, TState? initial) : IObservable<TState>
    {
        public IDisposable Subscribe(IObserver<TState> observer)
        {
            var subscriber = new Subscriber(feed, observer);
            subscriber.Start(key, initial);
            return subscriber;
        }
    }

    /// <summary>One subscriber: a bounded buffer and the pump that empties it into the observer, in order.</summary>
    private sealed class Subscriber(LiveFeed<TState> feed, IObserver<TState> observer) : IDisposable
    {
        private readonly Queue<TState> _pending = new();
        // States taken from _pending but not yet delivered, by version: only the pump touches it.
        private readonly SortedList<long, TState> _held = [];
        private long? _gapDeadline;
        private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        private readonly CancellationTokenSource _stop = new();
        private Topic? _topic;
        private Exception? _failure;
        private long _delivered = long.MinValue;
        private int _disposed;

        public void Start(string key, TState? initial)
        {
            if (initial is not null)
            {
                Post(initial);
            }
            _topic = feed.Join(key, this);
            _ = Pump();
            _ = CatchUp(key, _topic);
        }

        /// <summary>Never blocks: a full buffer is emptied and keeps only the newest state.</summary>
        public void Post(TState state)
        {
            lock (_pending)
            {
                if (_pending.Count >= feed._buffer)
                {
                    _pending.Clear();
                }
                _pending.Enqueue(state);
            }
            _wake.Writer.TryWrite(true);
        }

        /// <summary>Once the grain knows this node, the state as of then: nothing between the first read and the registration is lost.</summary>
        private async Task CatchUp(string key, Topic topic)
        {
            try
            {
                await topic.Ready.Task.WaitAsync(_stop.Token);
                if (await feed.Current(key) is { } current)
                {
                    Post(current);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _failure = e;
                _wake.Writer.TryWrite(true);
            }
        }

        private async Task Pump()
        {
            try
            {
                while (await NextWake())
                {
                    _wake.Reader.TryRead(out _);
                    while (Take() is { } state)
                    {
                        var version = feed.VersionOf(state);
                        if (version > _delivered)
                        {
                            _held[version] = state;
                        }
                    }
                    Deliver();
                    if (_failure is { } failure && !_stop.IsCancellationRequested)
                    {
                        observer.OnError(failure);
                        Dispose();
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // An observer that throws is not ours to fix; stop feeding it.
                LogSubscriberFailed(feed._logger, e, feed.GetType().Name);
                Dispose();
            }
        }

        /// <summary>Waits for new states, or, while a version is missing, at most until it is given up.</summary>
        private async ValueTask<bool> NextWake()
        {
            if (_gapDeadline is not { } deadline)
            {
                return await _wake.Reader.WaitToReadAsync(_stop.Token);
            }
            var remaining = TimeSpan.FromTicks(deadline - Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
            if (remaining <= TimeSpan.Zero)
            {
                return true;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            wait.CancelAfter(remaining);
            try
            {
                return await _wake.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                return true; // the missing version's time is up
            }
        }

        /// <summary>
        /// Hands the held states to the observer in version order. A state ahead of a missing
        /// version waits for it up to the feed's <see cref="ReorderWait"/>, or until a buffer's worth
        /// is held; then the missing ones are given up (the state is whole; its version says what
        /// was skipped).
        /// </summary>
        private void Deliver()
        {
            while (_held.Count > 0 && !_stop.IsCancellationRequested)
            {
                var version = _held.Keys[0];
                var state = _held.Values[0];
                if (version <= _delivered)
                {
                    _held.RemoveAt(0);
                    continue;
                }
                var inOrder = _delivered == long.MinValue || version == _delivered + 1 || feed.ReorderWait <= TimeSpan.Zero || _held.Count >= feed._buffer;
                if (!inOrder)
                {
                    var now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
                    _gapDeadline ??= now + feed.ReorderWait.Ticks;
                    if (now < _gapDeadline)
                    {
                        return;
                    }
                }
                _held.RemoveAt(0);
                _gapDeadline = null;
                _delivered = version;
                observer.OnNext(state);
            }
            _gapDeadline = null;
        }

        private TState? Take()
        {
            lock (_pending)
            {
                return _pending.TryDequeue(out var state) ? state : null;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }
            _stop.Cancel();
            if (_topic is not null)
            {
                feed.Leave(_topic, this);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Feed}: could not register with the grain for {Key}; subscribers are told")]
    private static partial void LogRegisterFailed(ILogger logger, Exception exception, string feed, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Feed}: renewing the registration for {Key} failed; the next round retries")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string feed, string key);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Feed}: removing the registration for {Key} failed; the grain forgets it within a minute")]
    private static partial void LogRemoveFailed(ILogger logger, Exception exception, string feed, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Feed}: a subscriber threw; it gets no more states")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception, string feed);
}
