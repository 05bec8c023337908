using System.Text.Json.Serialization;
using Omni.Carts;
using Omni.Common;
using Omni.Journal;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Omni.Hosting;

namespace Omni.Customers;

/// <summary>
/// A customer: the current cart (one for every channel), the active sessions, the orders. Journaled.
/// It is the timeline's source for sessions and sign-ins: each is owed to the timeline in the same
/// event that records it, delivered right after, and recorded delivered; the stream stays in
/// flight until then, so the saga sweeper delivers what a crash interrupted.
/// </summary>
public sealed class CustomerGrain(
    JournalCommitter committer,
    LegacyGrainState legacy,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<JournalOptions> journalOptions) : Grain, ICustomerGrain
{
    /// <summary>Sessions remembered per customer; the oldest make way.</summary>
    public const int MaxSessions = 50;

    private readonly CustomerLedger _customer = new();
    private StreamJournal<IReadOnlyList<CustomerEvent>, CustomerSnapshot> _journal = null!;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"customer/{Id}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        if (snapshot is not null)
        {
            _customer.Restore(snapshot);
        }
        foreach (var commit in commits)
        {
            _customer.Apply(commit);
        }
        if (_journal.Version == 0 && await legacy.Read<CustomerStateV1>("customer", this.GetGrainId()) is { } old && old.CartId != Guid.Empty)
        {
            _customer.Restore(new CustomerSnapshot(old.CartId, old.Sessions, old.Orders));
            await _journal.Adopt(1, _customer.ToSnapshot(), cancellationToken);
        }
    }

    public async Task<CustomerView> Get()
    {
        if (_customer.CartId == Guid.Empty)
        {
            await OpenNewCart();
        }
        return View();
    }

    public Task<CustomerView?> Find() => Task.FromResult(_customer.CartId == Guid.Empty ? null : View());

    public async Task AddSession(string sessionId, Channel? channel = null, bool signedIn = false)
    {
        _customer.AddSession(sessionId, channel, signedIn, clock.GetUtcNow());
        await Commit();
        await Deliver();
    }

    public Task Resume() => Deliver();

    /// <summary>Sends the outbox to the timeline, in order, and records what it acknowledged.</summary>
    private async Task Deliver()
    {
        if (_customer.Outbox.Count == 0)
        {
            return;
        }
        var entries = _customer.Outbox.Take(CustomerTimelineGrain.MaxDelivery).ToList();
        await GrainFactory.Ref<ICustomerTimelineGrain>(Id).Deliver([.. entries.Select(e => e.Entry)]);
        _customer.Delivered(entries[^1].Number);
        await Commit();
    }

    public async Task<CustomerView> CheckedOut(Guid cartId, Guid orderId)
    {
        _customer.AddOrder(orderId);
        if (_customer.CartId == cartId)
        {
            await OpenNewCart();
        }
        await Commit();
        return View();
    }

    private async Task OpenNewCart()
    {
        var cartId = Guid.NewGuid();
        await GrainFactory.Ref<ICartGrain>(cartId).Open(Id, null);
        _customer.UseCart(cartId);
        await Commit();
    }

    private async Task Commit()
    {
        if (_customer.TakeCommit() is { } commit)
        {
            try
            {
                await _journal.Append(commit, _customer.ToSnapshot, inFlight: _customer.Outbox.Count > 0);
            }
            catch (Exception e)
            {
                DeactivateOnIdle();
                throw new JournalUnavailableException($"customer {Id} could not store its change; retry", e);
            }
        }
    }

    private CustomerView View() => new(Id, _customer.CartId, [.. _customer.Sessions], [.. _customer.Orders]);
}

/// <summary>A customer's state: commands emit events, <see cref="Apply"/> is the only place it changes.</summary>
public sealed class CustomerLedger
{
    private readonly List<string> _sessions = [];
    private readonly List<Guid> _orders = [];
    private readonly List<CustomerEvent> _pending = [];
    private readonly List<OwedCustomerEntry> _outbox = [];
    private int _entries;

    public Guid CartId { get; private set; }
    public IReadOnlyList<string> Sessions => _sessions;
    public IReadOnlyList<Guid> Orders => _orders;
    /// <summary>Timeline entries not yet acknowledged by the timeline, oldest first.</summary>
    public IReadOnlyList<OwedCustomerEntry> Outbox => _outbox;

    public void UseCart(Guid cartId) => Emit(new CurrentCartChanged(cartId));

    public void AddSession(string sessionId, Channel? channel = null, bool signedIn = false, DateTimeOffset? at = null)
    {
        if (!_sessions.Contains(sessionId))
        {
            Emit(new SessionAdded(sessionId, channel, signedIn, at));
        }
    }

    public void Delivered(int number)
    {
        if (_outbox.Count > 0 && _outbox[0].Number <= number)
        {
            Emit(new CustomerTimelineDelivered(number));
        }
    }

    public void AddOrder(Guid orderId)
    {
        if (!_orders.Contains(orderId))
        {
            Emit(new OrderAdded(orderId));
        }
    }

    public IReadOnlyList<CustomerEvent>? TakeCommit()
    {
        if (_pending.Count == 0)
        {
            return null;
        }
        var commit = _pending.ToArray();
        _pending.Clear();
        return commit;
    }

    public void Apply(IReadOnlyList<CustomerEvent> commit)
    {
        foreach (var e in commit)
        {
            Apply(e);
        }
    }

    private void Emit(CustomerEvent e)
    {
        _pending.Add(e);
        Apply(e);
    }

    private void Apply(CustomerEvent e)
    {
        switch (e)
        {
            case CurrentCartChanged c:
                CartId = c.CartId;
                break;
            case SessionAdded s:
                _sessions.Add(s.SessionId);
                if (_sessions.Count > CustomerGrain.MaxSessions)
                {
                    _sessions.RemoveAt(0);
                }
                if (s.At is { } at)
                {
                    // Sessions recorded before the timeline existed carry no time and owe no entry.
                    _entries++;
                    var channel = s.Channel is { } c ? $" on {c}" : "";
                    _outbox.Add(new OwedCustomerEntry(_entries, new TimelineEntry($"customer:{_entries}", at,
                        s.SignedIn ? TimelineKind.SIGNED_IN : TimelineKind.SESSION_STARTED,
                        s.SignedIn ? $"Signed in{channel}" : $"Session started{channel}", s.Channel)));
                }
                break;
            case CustomerTimelineDelivered d:
                _outbox.RemoveAll(o => o.Number <= d.UpTo);
                break;
            case OrderAdded o:
                _orders.Add(o.OrderId);
                break;
            default:
                throw new InvalidOperationException($"unknown customer event {e.GetType().Name}");
        }
    }

    public CustomerSnapshot ToSnapshot() => new(CartId, [.. _sessions], [.. _orders], [.. _outbox], _entries);

    public void Restore(CustomerSnapshot snapshot)
    {
        CartId = snapshot.CartId;
        _sessions.Clear();
        _sessions.AddRange(snapshot.Sessions);
        _orders.Clear();
        _orders.AddRange(snapshot.Orders);
        _outbox.Clear();
        _outbox.AddRange(snapshot.Outbox ?? []);
        _entries = snapshot.Entries;
    }
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(CurrentCartChanged), "cart")]
[JsonDerivedType(typeof(SessionAdded), "session")]
[JsonDerivedType(typeof(OrderAdded), "order")]
[JsonDerivedType(typeof(CustomerTimelineDelivered), "timeline-delivered")]
public abstract record CustomerEvent;

public sealed record CurrentCartChanged(Guid CartId) : CustomerEvent;
public sealed record SessionAdded(string SessionId, Channel? Channel = null, bool SignedIn = false, DateTimeOffset? At = null) : CustomerEvent;
/// <summary>The customer's timeline acknowledged the entries up to this number.</summary>
public sealed record CustomerTimelineDelivered(int UpTo) : CustomerEvent;

/// <summary>A timeline entry the customer owes its timeline, numbered in the customer's sequence.</summary>
public sealed record OwedCustomerEntry(int Number, TimelineEntry Entry);
public sealed record OrderAdded(Guid OrderId) : CustomerEvent;

public sealed record CustomerSnapshot(Guid CartId, IReadOnlyList<string> Sessions, IReadOnlyList<Guid> Orders,
    IReadOnlyList<OwedCustomerEntry>? Outbox = null, int Entries = 0);

/// <summary>A customer as earlier versions stored it whole in Orleans' grain storage (state name "customer").</summary>
public sealed class CustomerStateV1
{
    public Guid CartId { get; set; }
    public List<string> Sessions { get; set; } = [];
    public List<Guid> Orders { get; set; } = [];
}
