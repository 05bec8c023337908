using Omni.Carts;
using Omni.Common;
using Omni.Customers;

namespace Omni.Api.Live;

/// <summary>
/// A customer's current cart, followed across checkouts: when the watched cart shows it was checked
/// out, the stream asks the customer grain for the new cart (which it opens right after the
/// checkout, so it may take a moment) and moves there, emitting the new cart's state first. Versions
/// start again with each cart; every cart's states come in version order.
/// </summary>
public sealed class CustomerCartStream(CartFeed carts, IGrainFactory grains, string customerId, CartView current) : IObservable<CartView>
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);

    private CartFeed Carts => carts;
    private IGrainFactory Grains => grains;
    private string CustomerId => customerId;

    public IDisposable Subscribe(IObserver<CartView> observer)
    {
        var follower = new Follower(this, observer);
        follower.Follow(current.Id, current);
        return follower;
    }

    private sealed class Follower(CustomerCartStream stream, IObserver<CartView> observer) : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly CancellationTokenSource _stop = new();
        private IDisposable? _watching;
        private int _generation;
        private int _moving;
        private bool _stopped;

        public void Follow(Guid cartId, CartView? initial)
        {
            IDisposable? previous;
            int generation;
            lock (_lock)
            {
                if (_stopped)
                {
                    return;
                }
                (previous, _watching) = (_watching, null);
                generation = ++_generation;
            }
            previous?.Dispose();
            var watching = stream.Carts.Watch(CartFeed.KeyOf(cartId), initial).Subscribe(new Forward(this, generation));
            lock (_lock)
            {
                if (!_stopped && generation == _generation)
                {
                    _watching = watching;
                    return;
                }
            }
            watching.Dispose();
        }

        private void OnCart(int generation, CartView cart)
        {
            lock (_lock)
            {
                if (_stopped || generation != _generation)
                {
                    return;
                }
                observer.OnNext(cart);
            }
            if (cart.CheckedOut && Interlocked.CompareExchange(ref _moving, 1, 0) == 0)
            {
                _ = MoveOn(cart.Id);
            }
        }

        private void OnError(int generation, Exception error)
        {
            lock (_lock)
            {
                if (_stopped || generation != _generation)
                {
                    return;
                }
                observer.OnError(error);
            }
            Dispose();
        }

        /// <summary>Asks the customer for its cart until it is not the one checked out.</summary>
        private async Task MoveOn(Guid checkedOut)
        {
            try
            {
                for (var wait = FirstRetry; !_stop.IsCancellationRequested; wait = Min(wait * 2, LongestRetry))
                {
                    try
                    {
                        var customer = await stream.Grains.Ref<ICustomerGrain>(stream.CustomerId).Get();
                        if (customer.CartId != checkedOut)
                        {
                            Follow(customer.CartId, null);
                            return;
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The cluster is busy or a silo is moving: ask again shortly.
                    }
                    await Task.Delay(wait, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            finally
            {
                Volatile.Write(ref _moving, 0);
            }
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        public void Dispose()
        {
            IDisposable? watching;
            lock (_lock)
            {
                if (_stopped)
                {
                    return;
                }
                _stopped = true;
                (watching, _watching) = (_watching, null);
            }
            _stop.Cancel();
            watching?.Dispose();
        }

        private sealed class Forward(Follower follower, int generation) : IObserver<CartView>
        {
            public void OnNext(CartView value) => follower.OnCart(generation, value);

            public void OnError(Exception error) => follower.OnError(generation, error);

            public void OnCompleted()
            {
            }
        }
    }
}
