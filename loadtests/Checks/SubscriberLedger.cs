namespace Omni.LoadTests.Checks;

/// <summary>
/// What each live subscriber received and what the mutating side had acknowledged, keyed by the
/// subscriber's cart. Afterwards every acknowledged version must have reached its subscriber, in
/// rising order; the delay from acknowledgement to arrival is the live figure.
/// </summary>
public sealed class SubscriberLedger(Invariants invariants)
{
    private readonly Dictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>An event arrived on the subscriber for <paramref name="key"/>.</summary>
    public void Received(string key, long version, long timestamp)
    {
        var feed = FeedOf(key);
        lock (feed)
        {
            if (feed.Received.Count > 0 && version <= feed.Received[^1].Version)
            {
                feed.OutOfOrder.Add($"v{version} after v{feed.Received[^1].Version}");
            }
            feed.Received.Add((version, timestamp));
        }
    }

    /// <summary>A mutation of <paramref name="key"/> was acknowledged at <paramref name="version"/>.</summary>
    public void Acknowledged(string key, long version, long sentTimestamp, long acknowledgedTimestamp, bool measured)
    {
        var feed = FeedOf(key);
        lock (feed)
        {
            feed.Acknowledged.Add(new Acknowledgement(version, sentTimestamp, acknowledgedTimestamp, measured));
        }
    }

    /// <summary>The subscriber's stream ended early (socket lost, an error message).</summary>
    public void Ended(string key, string why)
    {
        var feed = FeedOf(key);
        lock (feed)
        {
            feed.EndedBecause ??= why;
        }
    }

    /// <summary>Whether every acknowledged version has arrived at its subscriber by now (reports nothing).</summary>
    public bool AllDelivered()
    {
        Feed[] feeds;
        lock (_lock)
        {
            feeds = [.. _feeds.Values];
        }
        foreach (var feed in feeds)
        {
            lock (feed)
            {
                var arrived = feed.Received.Select(r => r.Version).ToHashSet();
                if (feed.EndedBecause is null && feed.Acknowledged.Any(a => !arrived.Contains(a.Version)))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>Checks every feed and returns, per acknowledged version that arrived, when it was acknowledged and when it arrived.</summary>
    public IReadOnlyList<Delivery> Verify()
    {
        var deliveries = new List<Delivery>();
        Feed[] feeds;
        string[] keys;
        lock (_lock)
        {
            keys = [.. _feeds.Keys];
            feeds = [.. _feeds.Values];
        }
        for (var i = 0; i < feeds.Length; i++)
        {
            var (key, feed) = (keys[i], feeds[i]);
            lock (feed)
            {
                foreach (var problem in feed.OutOfOrder)
                {
                    invariants.Violated(Invariants.SubscribersSawEveryVersion, $"{key}: {problem}");
                }
                var arrivals = new Dictionary<long, long>();
                foreach (var (version, timestamp) in feed.Received)
                {
                    arrivals.TryAdd(version, timestamp);
                }
                var missed = new List<long>();
                foreach (var ack in feed.Acknowledged)
                {
                    if (arrivals.TryGetValue(ack.Version, out var arrived))
                    {
                        deliveries.Add(new Delivery(key, ack.Version, ack.Sent, ack.Acknowledged, arrived, ack.Measured));
                    }
                    else
                    {
                        missed.Add(ack.Version);
                    }
                }
                if (missed.Count == 0)
                {
                    invariants.Holds(Invariants.SubscribersSawEveryVersion);
                }
                else
                {
                    invariants.Violated(Invariants.SubscribersSawEveryVersion,
                        $"{key}: acknowledged v{string.Join(", v", missed.Take(10))}{(missed.Count > 10 ? "..." : "")} never arrived"
                        + (feed.EndedBecause is { } why ? $" (stream ended: {why})" : "")
                        + $"; received {feed.Received.Count} events");
                }
            }
        }
        return deliveries;
    }

    private Feed FeedOf(string key)
    {
        lock (_lock)
        {
            if (!_feeds.TryGetValue(key, out var feed))
            {
                _feeds[key] = feed = new Feed();
            }
            return feed;
        }
    }

    private sealed record Acknowledgement(long Version, long Sent, long Acknowledged, bool Measured);

    private sealed class Feed
    {
        public List<(long Version, long Timestamp)> Received { get; } = [];
        public List<Acknowledgement> Acknowledged { get; } = [];
        public List<string> OutOfOrder { get; } = [];
        public string? EndedBecause { get; set; }
    }
}

/// <summary>One acknowledged version and when it reached the subscriber.</summary>
public sealed record Delivery(string Key, long Version, long Sent, long Acknowledged, long Arrived, bool Measured);
