using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Utilities;

namespace Omni.Customers;

/// <summary>
/// A customer's timeline: entries from every source, each kept once. Sources deliver at least
/// once, each in its own order; the entry id is unique per customer in <c>omni_timeline</c>
/// (migration 0012), so a redelivery inserts nothing and is not published again. The newest
/// <see cref="Recent"/> entries stay in memory; older pages are read from PostgreSQL.
/// </summary>
public sealed partial class CustomerTimelineGrain(NpgsqlDataSource db, ILogger<CustomerTimelineGrain> logger) : Grain, ICustomerTimelineGrain
{
    /// <summary>Entries kept in memory, newest last.</summary>
    public const int Recent = 200;
    /// <summary>The most entries one delivery may carry.</summary>
    public const int MaxDelivery = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);
    private readonly ObserverManager<ITimelineObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private readonly List<TimelineItem> _recent = [];
    private long _next = 1;
    /// <summary>True while memory holds every entry the customer has (nothing older is only in PostgreSQL).</summary>
    private bool _complete;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT seq, entry FROM omni_timeline WHERE customer_id = $1 ORDER BY seq DESC LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Id });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Recent + 1 });
        var newestFirst = await Read(command, cancellationToken);
        _complete = newestFirst.Count <= Recent;
        _recent.AddRange(newestFirst.Take(Recent).Reverse());
        _next = (_recent.Count > 0 ? _recent[^1].Sequence : 0) + 1;
    }

    public async Task Deliver(IReadOnlyList<TimelineEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        if (entries.Count > MaxDelivery)
        {
            throw new ArgumentException($"a delivery carries at most {MaxDelivery} entries", nameof(entries));
        }
        var items = entries.Select((e, i) => new TimelineItem(_next + i, e)).ToList();
        List<TimelineItem> added;
        try
        {
            added = await Insert(items);
        }
        catch (Exception e)
        {
            // Perhaps another activation assigned the same sequence numbers: reload before answering again.
            LogDeliveryFailed(logger, e, Id);
            DeactivateOnIdle();
            throw new TimelineUnavailableException($"the timeline of {Id} could not store a delivery; deliver again");
        }
        _next += items.Count;
        foreach (var item in added)
        {
            _recent.Add(item);
            await _observers.Notify(o => o.EntryAdded(item));
        }
        if (_recent.Count > Recent)
        {
            _recent.RemoveRange(0, _recent.Count - Recent);
            _complete = false;
        }
    }

    public async Task<IReadOnlyList<TimelineEntry>> Page(int first, string? before)
    {
        first = Math.Clamp(first, 0, Recent);
        if (first == 0)
        {
            return [];
        }
        var end = before is null ? _recent.Count : _recent.FindIndex(i => i.Entry.Id == before);
        if (end >= 0 && (end >= first || _complete))
        {
            return [.. _recent.Take(end).Reverse().Take(first).Select(i => i.Entry)];
        }
        // Older than memory holds: PostgreSQL, by the entry's position.
        await using var command = db.CreateCommand(before is null
            ? "SELECT seq, entry FROM omni_timeline WHERE customer_id = $1 ORDER BY seq DESC LIMIT $2"
            : "SELECT seq, entry FROM omni_timeline WHERE customer_id = $1 " +
              "AND seq < (SELECT seq FROM omni_timeline WHERE customer_id = $1 AND entry_id = $3) ORDER BY seq DESC LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Id });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = first });
        if (before is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = before });
        }
        return [.. (await Read(command, CancellationToken.None)).Select(i => i.Entry)];
    }

    public Task<TimelineItem?> Last() => Task.FromResult(_recent.Count > 0 ? _recent[^1] : null);

    public Task<long> Subscribe(ITimelineObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(_next - 1);
    }

    public Task Unsubscribe(ITimelineObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    /// <summary>Inserts the entries whose id the customer has not had yet, in order; returns those.</summary>
    private async Task<List<TimelineItem>> Insert(List<TimelineItem> items)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO omni_timeline (customer_id, seq, entry_id, at, entry) " +
            "SELECT $1, s, i, a, e FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::jsonb[]) WITH ORDINALITY AS t(s, i, a, e, n) " +
            "ORDER BY n ON CONFLICT (customer_id, entry_id) DO NOTHING RETURNING seq");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Id });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. items.Select(i => i.Sequence)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. items.Select(i => i.Entry.Id)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. items.Select(i => i.Entry.At.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = [.. items.Select(i => JsonSerializer.Serialize(i.Entry, Json))],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        var inserted = new HashSet<long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inserted.Add(reader.GetInt64(0));
            }
        }
        return [.. items.Where(i => inserted.Contains(i.Sequence))];
    }

    private static async Task<List<TimelineItem>> Read(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var items = new List<TimelineItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new TimelineItem(reader.GetInt64(0), JsonSerializer.Deserialize<TimelineEntry>(reader.GetString(1), Json)!));
        }
        return items;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timeline {CustomerId}: a delivery was not stored; reloading")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string customerId);
}

/// <summary>A delivery was not stored; the source delivers again.</summary>
[GenerateSerializer, Alias("Omni.Customers.TimelineUnavailableException")]
public sealed class TimelineUnavailableException : Exception
{
    public TimelineUnavailableException()
    {
    }

    public TimelineUnavailableException(string message) : base(message)
    {
    }

    public TimelineUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
