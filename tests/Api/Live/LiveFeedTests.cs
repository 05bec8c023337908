using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni.Api.Live;

namespace Omni.Tests.Api.Live;

/// <summary>The live-update hub on its own: registrations per key, ordering, and slow subscribers.</summary>
[Trait("Tier", "Unit")]
public sealed class LiveFeedTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Subscribers_of_one_key_share_one_registration_which_goes_when_the_last_leaves()
    {
        var feed = new FakeFeed(buffer: 8);
        var first = new Collector();
        var second = new Collector();

        var a = feed.Watch("k").Subscribe(first);
        var b = feed.Watch("k").Subscribe(second);
        await feed.Registrations["k"].Subscribed.Task.WaitAsync(Deadline);
        feed.Registrations["k"].Publish(new FakeState("k", 1));
        await first.WaitFor(1);
        await second.WaitFor(1);
        a.Dispose();
        feed.Registrations["k"].Publish(new FakeState("k", 2));
        await second.WaitForVersion(2); // the registration still serves the one who stayed

        Assert.Equal(1, feed.Registered);
        Assert.Equal(1, feed.RegisteredKeys);
        Assert.False(feed.Registrations["k"].Removed.Task.IsCompleted);
        Assert.DoesNotContain(2L, first.Versions); // the one who left gets nothing more
        b.Dispose();
        await feed.Registrations["k"].Removed.Task.WaitAsync(Deadline);
        Assert.Equal(0, feed.RegisteredKeys);
    }

    [Fact]
    public async Task A_subscriber_gets_the_initial_state_first_then_only_newer_versions()
    {
        var feed = new FakeFeed(buffer: 8) { CurrentVersion = 2 };
        var states = new Collector();

        using var watching = feed.Watch("k", new FakeState("k", 2)).Subscribe(states);
        await feed.Registrations["k"].Subscribed.Task.WaitAsync(Deadline);
        var registration = feed.Registrations["k"];
        registration.Publish(new FakeState("k", 1));
        registration.Publish(new FakeState("k", 3));
        registration.Publish(new FakeState("k", 3));
        registration.Publish(new FakeState("k", 2));
        registration.Publish(new FakeState("k", 4));
        await states.WaitForVersion(4);

        Assert.Equal([2, 3, 4], states.Versions);
    }

    [Fact]
    public async Task A_slow_subscriber_never_blocks_the_grain_callback_and_skips_to_the_newest_state()
    {
        var feed = new FakeFeed(buffer: 4);
        var slow = new Collector { Gate = new ManualResetEventSlim(false) };
        var fast = new Collector();
        using var slowWatch = feed.Watch("k").Subscribe(slow);
        using var fastWatch = feed.Watch("k").Subscribe(fast);
        await feed.Registrations["k"].Subscribed.Task.WaitAsync(Deadline);
        var registration = feed.Registrations["k"];

        registration.Publish(new FakeState("k", 1));
        await slow.Entered.Task.WaitAsync(Deadline); // the slow one is now stuck in OnNext
        for (var version = 2; version <= 100; version++)
        {
            registration.Publish(new FakeState("k", version));
        }
        var stuck = slow.Versions.Count; // nothing recorded yet: publishing did not wait for it
        await fast.WaitForVersion(100);
        slow.Gate.Set();
        await slow.WaitForVersion(100);

        Assert.Equal(0, stuck);
        Assert.Equal(fast.Versions.Order(), fast.Versions);
        Assert.True(slow.Versions.Count <= 1 + 4, $"the slow subscriber should skip what overflowed its buffer, got {slow.Versions.Count} states");
        Assert.Equal(slow.Versions.Order(), slow.Versions);
        Assert.Equal(100, slow.Versions[^1]);
    }

    [Fact]
    public async Task A_version_that_arrives_after_a_newer_one_is_delivered_before_it_when_the_feed_waits_for_gaps()
    {
        // As Orleans may do across two gateways: version 3 overtakes version 2.
        var feed = new FakeFeed(buffer: 8) { Reorder = TimeSpan.FromSeconds(30) };
        var states = new Collector();
        using var watching = feed.Watch("k").Subscribe(states);
        await feed.Registrations["k"].Subscribed.Task.WaitAsync(Deadline);
        await states.WaitForVersion(0); // the catch-up read
        var registration = feed.Registrations["k"];

        registration.Publish(new FakeState("k", 1));
        await states.WaitForVersion(1);
        registration.Publish(new FakeState("k", 3));
        registration.Publish(new FakeState("k", 2));
        await states.WaitForVersion(3);

        Assert.Equal([0, 1, 2, 3], states.Versions);
    }

    [Fact]
    public async Task A_version_that_never_arrives_is_given_up_after_the_wait_and_the_newer_state_delivered()
    {
        var feed = new FakeFeed(buffer: 8) { Reorder = TimeSpan.FromMilliseconds(200) };
        var states = new Collector();
        using var watching = feed.Watch("k").Subscribe(states);
        await feed.Registrations["k"].Subscribed.Task.WaitAsync(Deadline);
        await states.WaitForVersion(0);
        var registration = feed.Registrations["k"];

        registration.Publish(new FakeState("k", 2));
        await states.WaitForVersion(2);
        var held = System.Diagnostics.Stopwatch.StartNew();
        registration.Publish(new FakeState("k", 4)); // 3 is missing
        await states.WaitForVersion(4);
        held.Stop();

        Assert.Equal([0, 2, 4], states.Versions);
        // Held for the missing version first (200 ms), not handed over at once.
        Assert.True(held.Elapsed >= TimeSpan.FromMilliseconds(150), $"version 4 was delivered after {held.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_failed_registration_ends_the_subscription_with_an_error()
    {
        var feed = new FakeFeed(buffer: 4) { FailRegistration = true };
        var states = new Collector();

        using var watching = feed.Watch("k").Subscribe(states);

        var error = await states.Failed.Task.WaitAsync(Deadline);
        Assert.IsType<InvalidOperationException>(error);
        await feed.Registrations["k"].Removed.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Renewal_re_registers_and_delivers_what_changed_meanwhile()
    {
        var feed = new FakeFeed(buffer: 4);
        var states = new Collector();
        using var watching = feed.Watch("k").Subscribe(states);
        await feed.Registrations["k"].Subscribed.Task.WaitAsync(Deadline);
        await states.WaitForVersion(0);

        feed.CurrentVersion = 7; // changed while the grain had forgotten this node
        await feed.Renew(CancellationToken.None);
        await states.WaitForVersion(7);

        Assert.Equal(2, feed.Registrations["k"].Renewals);
    }

    public sealed record FakeState(string Key, long Version);

    private sealed class FakeFeed(int buffer) : LiveFeed<FakeState>(Options.Create(new LiveOptions { SubscriberBuffer = buffer }), NullLogger.Instance)
    {
        public ConcurrentDictionary<string, FakeRegistration> Registrations { get; } = new();
        private int _registered;

        /// <summary>How many times the feed registered with a grain (any key).</summary>
        public int Registered => Volatile.Read(ref _registered);
        public long CurrentVersion { get; set; }
        public bool FailRegistration { get; init; }
        public TimeSpan Reorder { get; init; }

        protected override long VersionOf(FakeState state) => state.Version;

        protected override TimeSpan ReorderWait => Reorder;

        protected override Task<FakeState?> Current(string key) => Task.FromResult<FakeState?>(new FakeState(key, CurrentVersion));

        protected override IFeedRegistration Register(string key, Action<FakeState> publish)
        {
            var registration = new FakeRegistration(publish, FailRegistration);
            Interlocked.Increment(ref _registered);
            Registrations[key] = registration;
            return registration;
        }
    }

    private sealed class FakeRegistration(Action<FakeState> publish, bool fail) : IFeedRegistration
    {
        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Renewals;

        public void Publish(FakeState state) => publish(state);

        public Task Renew()
        {
            Interlocked.Increment(ref Renewals);
            if (fail)
            {
                return Task.FromException(new InvalidOperationException("no grain"));
            }
            Subscribed.TrySetResult();
            return Task.CompletedTask;
        }

        public Task Remove()
        {
            Removed.TrySetResult();
            return Task.CompletedTask;
        }
    }

    private sealed class Collector : IObserver<FakeState>
    {
        private readonly Lock _lock = new();
        private readonly List<long> _versions = [];
        private readonly List<(Func<List<long>, bool> Done, TaskCompletionSource Signal)> _waiters = [];

        public ManualResetEventSlim? Gate { get; init; }
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<Exception> Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<long> Versions
        {
            get
            {
                lock (_lock)
                {
                    return [.. _versions];
                }
            }
        }

        public void OnNext(FakeState value)
        {
            Entered.TrySetResult();
            Gate?.Wait(Deadline);
            lock (_lock)
            {
                _versions.Add(value.Version);
                foreach (var waiter in _waiters.Where(w => w.Done(_versions)).ToList())
                {
                    waiter.Signal.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public void OnError(Exception error) => Failed.TrySetResult(error);

        public void OnCompleted()
        {
        }

        public Task WaitFor(int count) => Wait(v => v.Count >= count);

        public Task WaitForVersion(long version) => Wait(v => v.Contains(version));

        private Task Wait(Func<List<long>, bool> done)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (done(_versions))
                {
                    return Task.CompletedTask;
                }
                _waiters.Add((done, signal));
            }
            return signal.Task.WaitAsync(Deadline);
        }
    }
}
