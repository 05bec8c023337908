using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Common;
using Omni.Customers;
using Omni.Hosting;
using Omni.Journal;

namespace Omni.Sessions;

/// <summary>
/// One device session, journaled like every grain with state. A signed-in session always shows
/// its customer's current cart (asked of the customer, so a checkout or a merge on another device
/// is followed without fan-out); a cart change made through it asks only <see cref="Use"/>.
/// </summary>
public sealed class SessionGrain(
    JournalCommitter committer,
    LegacyGrainState legacy,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<JournalOptions> journalOptions) : Grain, ISessionGrain
{
    /// <summary>Last-seen is written at most this often; in between it lives in memory.</summary>
    private static readonly TimeSpan SeenWriteInterval = TimeSpan.FromMinutes(1);

    private SessionLedger _session = new();
    private StreamJournal<IReadOnlyList<SessionEvent>, SessionSnapshot> _journal = null!;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"session/{Id}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        _session = snapshot is null ? new SessionLedger() : SessionLedger.FromSnapshot(snapshot);
        foreach (var commit in commits)
        {
            _session.Apply(commit);
        }
        if (_journal.Version == 0 && await legacy.Read<SessionStateV1>("session", this.GetGrainId()) is { Started: true } old)
        {
            _session = SessionLedger.FromSnapshot(old.ToSnapshot());
            await _journal.Adopt(1, _session.ToSnapshot(), cancellationToken);
        }
    }

    public async Task<SessionView?> Get() => _session.Started ? await View() : null;

    public async Task<SessionView> Start(Channel channel, string? customerId)
    {
        if (!_session.Started)
        {
            Guid cartId;
            if (customerId is not null)
            {
                var customer = GrainFactory.Ref<ICustomerGrain>(customerId);
                await customer.AddSession(Id, channel);
                cartId = (await customer.Get()).CartId;
            }
            else
            {
                cartId = Guid.NewGuid();
                await GrainFactory.Ref<ICartGrain>(cartId).Open(null, channel);
            }
            _session.Start(channel, customerId, cartId, clock.GetUtcNow());
            await Commit();
        }
        return await View();
    }

    public async Task<SessionResult> AttachCustomer(string customerId)
    {
        if (_session.CheckAttach(Id, customerId) is { } refused)
        {
            return new SessionResult(_session.Started ? await View() : null, [refused]);
        }
        if (_session.CustomerId == customerId)
        {
            return new SessionResult(await View(), []);
        }

        var customer = GrainFactory.Ref<ICustomerGrain>(customerId);
        var target = (await customer.Get()).CartId;
        IReadOnlyList<UserError> warnings = [];
        if (_session.CartId != target)
        {
            var anonymous = GrainFactory.Ref<ICartGrain>(_session.CartId);
            var merged = await anonymous.MergeInto(target, _session.Channel);
            if (merged.Errors.FirstOrDefault(e => e.Code == ErrorCode.ALREADY_CHECKED_OUT) is not null && merged.Cart is { OrderId: { } orderId } done)
            {
                // The customer's cart was checked out but the customer never heard (a crash in
                // between): let the customer move on to a new cart, and merge into that one.
                target = (await customer.CheckedOut(done.Id, orderId)).CartId;
                merged = await anonymous.MergeInto(target, _session.Channel);
            }
            if (merged.Cart is null || merged.Cart.Id != target)
            {
                return new SessionResult(await View(), merged.Errors);
            }
            warnings = merged.Errors;
        }
        await customer.AddSession(Id, _session.Channel, signedIn: true);
        _session.Attach(customerId, target, clock.GetUtcNow());
        await Commit();
        return new SessionResult(await View(), warnings);
    }

    public async Task Touch()
    {
        _session.Seen(clock.GetUtcNow(), SeenWriteInterval);
        await Commit();
    }

    public async Task<SessionTag?> Use()
    {
        if (!_session.Started)
        {
            return null;
        }
        await Touch();
        return new SessionTag(_session.Channel, _session.CustomerId);
    }

    private async Task Commit()
    {
        if (_session.TakeCommit() is { } commit)
        {
            try
            {
                await _journal.Append(commit, _session.ToSnapshot, anonymous: _session.CustomerId is null);
            }
            catch (Exception e)
            {
                // Memory is ahead of the journal: the next activation reloads the truth.
                DeactivateOnIdle();
                throw new JournalUnavailableException($"session {Id} could not store its change; retry", e);
            }
        }
    }

    private async Task<SessionView> View()
    {
        var cartId = _session.CustomerId is { } customerId
            ? (await GrainFactory.Ref<ICustomerGrain>(customerId).Get()).CartId
            : _session.CartId;
        return new SessionView(Id, _session.Channel, _session.CustomerId, cartId, _session.StartedAt, _session.LastSeenAt);
    }
}

/// <summary>A session as earlier versions stored it whole in Orleans' grain storage (state name "session").</summary>
public sealed class SessionStateV1
{
    public bool Started { get; set; }
    public Channel Channel { get; set; }
    public string? CustomerId { get; set; }
    public Guid CartId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }

    public SessionSnapshot ToSnapshot() => new(Started, Channel, CustomerId, CartId, StartedAt, LastSeenAt);
}
