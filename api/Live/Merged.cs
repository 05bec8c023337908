namespace Omni.Api.Live;

/// <summary>Several streams as one; their values reach the observer one at a time.</summary>
public sealed class Merged<T>(IReadOnlyList<IObservable<T>> sources) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        var merge = new Merge(observer);
        merge.Attach(sources);
        return merge;
    }

    private sealed class Merge(IObserver<T> observer) : IObserver<T>, IDisposable
    {
        private readonly Lock _lock = new();
        private readonly List<IDisposable> _subscriptions = [];
        private bool _stopped;

        public void Attach(IReadOnlyList<IObservable<T>> sources)
        {
            foreach (var source in sources)
            {
                var subscription = source.Subscribe(this);
                lock (_lock)
                {
                    if (!_stopped)
                    {
                        _subscriptions.Add(subscription);
                        continue;
                    }
                }
                subscription.Dispose();
            }
        }

        public void OnNext(T value)
        {
            lock (_lock)
            {
                if (!_stopped)
                {
                    observer.OnNext(value);
                }
            }
        }

        public void OnError(Exception error)
        {
            lock (_lock)
            {
                if (_stopped)
                {
                    return;
                }
                observer.OnError(error);
            }
            Dispose();
        }

        // The sources are endless: one finishing does not end the others.
        public void OnCompleted()
        {
        }

        public void Dispose()
        {
            IDisposable[] subscriptions;
            lock (_lock)
            {
                _stopped = true;
                subscriptions = [.. _subscriptions];
                _subscriptions.Clear();
            }
            foreach (var subscription in subscriptions)
            {
                subscription.Dispose();
            }
        }
    }
}
