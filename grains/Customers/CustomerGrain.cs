using System.Text.Json.Serialization;
using Omni.Carts;
using Omni.Journal;
using Microsoft.Extensions.Options;

namespace Omni.Customers;

/// <summary>A customer: the current cart (one for every channel), the active sessions, the orders. Journaled.</summary>
public sealed class CustomerGrain(
    JournalCommitter committer,
    LegacyGrainState legacy,
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

    public async Task AddSession(string sessionId)
    {
        _customer.AddSession(sessionId);
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
        await GrainFactory.GetGrain<ICartGrain>(cartId).Open(Id, null);
        _customer.UseCart(cartId);
        await Commit();
    }

    private async Task Commit()
    {
        if (_customer.TakeCommit() is { } commit)
        {
            try
            {
                await _journal.Append(commit, _customer.ToSnapshot);
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

    public Guid CartId { get; private set; }
    public IReadOnlyList<string> Sessions => _sessions;
    public IReadOnlyList<Guid> Orders => _orders;

    public void UseCart(Guid cartId) => Emit(new CurrentCartChanged(cartId));

    public void AddSession(string sessionId)
    {
        if (!_sessions.Contains(sessionId))
        {
            Emit(new SessionAdded(sessionId));
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
                break;
            case OrderAdded o:
                _orders.Add(o.OrderId);
                break;
            default:
                throw new InvalidOperationException($"unknown customer event {e.GetType().Name}");
        }
    }

    public CustomerSnapshot ToSnapshot() => new(CartId, [.. _sessions], [.. _orders]);

    public void Restore(CustomerSnapshot snapshot)
    {
        CartId = snapshot.CartId;
        _sessions.Clear();
        _sessions.AddRange(snapshot.Sessions);
        _orders.Clear();
        _orders.AddRange(snapshot.Orders);
    }
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(CurrentCartChanged), "cart")]
[JsonDerivedType(typeof(SessionAdded), "session")]
[JsonDerivedType(typeof(OrderAdded), "order")]
public abstract record CustomerEvent;

public sealed record CurrentCartChanged(Guid CartId) : CustomerEvent;
public sealed record SessionAdded(string SessionId) : CustomerEvent;
public sealed record OrderAdded(Guid OrderId) : CustomerEvent;

public sealed record CustomerSnapshot(Guid CartId, IReadOnlyList<string> Sessions, IReadOnlyList<Guid> Orders);

/// <summary>A customer as earlier versions stored it whole in Orleans' grain storage (state name "customer").</summary>
public sealed class CustomerStateV1
{
    public Guid CartId { get; set; }
    public List<string> Sessions { get; set; } = [];
    public List<Guid> Orders { get; set; } = [];
}
