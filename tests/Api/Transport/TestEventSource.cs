namespace Omni.Tests.Api.Transport;

/// <summary>
/// A hot event source the tests push into, which tells them when the server subscribes and
/// unsubscribes. Publishing calls the subscribers synchronously: a server that blocked its source
/// would block the test. Values are boxed: graphql-dotnet wants the stream typed like the field.
/// </summary>
public sealed class TestEventSource : IObservable<object?>
{
    private readonly Lock _lock = new();
    private readonly List<IObserver<object?>> _observers = [];
    private readonly SemaphoreSlim _subscribed = new(0);
    private readonly SemaphoreSlim _unsubscribed = new(0);

    public int Subscribers
    {
        get
        {
            lock (_lock)
            {
                return _observers.Count;
            }
        }
    }

    public IDisposable Subscribe(IObserver<object?> observer)
    {
        lock (_lock)
        {
            _observers.Add(observer);
        }
        _subscribed.Release();
        return new Subscription(this, observer);
    }

    public void Publish(int value)
    {
        IObserver<object?>[] observers;
        lock (_lock)
        {
            observers = [.. _observers];
        }
        foreach (var observer in observers)
        {
            observer.OnNext(value);
        }
    }

    public async Task WaitForSubscription(TimeSpan timeout)
    {
        if (!await _subscribed.WaitAsync(timeout))
        {
            throw new TimeoutException("The server did not subscribe to the event source.");
        }
    }

    public async Task WaitForUnsubscription(TimeSpan timeout)
    {
        if (!await _unsubscribed.WaitAsync(timeout))
        {
            throw new TimeoutException("The server did not unsubscribe from the event source.");
        }
    }

    private sealed class Subscription(TestEventSource source, IObserver<object?> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }
            lock (source._lock)
            {
                source._observers.Remove(observer);
            }
            source._unsubscribed.Release();
        }
    }
}
