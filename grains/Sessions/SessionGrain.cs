using Microsoft.Extensions.DependencyInjection;
using Omni.Carts;
using Omni.Customers;
using Omni.Hosting;

namespace Omni.Sessions;

/// <summary>
/// One device session. A signed-in session always shows its customer's current cart (asked of
/// the customer, so a checkout or a merge on another device is followed without fan-out).
/// </summary>
public sealed class SessionGrain(
    [PersistentState("session")] IPersistentState<SessionState> state,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock) : Grain, ISessionGrain
{
    /// <summary>Last-seen is written at most this often; in between it lives in memory.</summary>
    private static readonly TimeSpan SeenWriteInterval = TimeSpan.FromMinutes(1);

    private SessionState Session => state.State;

    public async Task<SessionView?> Get() => Session.Started ? await View() : null;

    public async Task<SessionView> Start(Channel channel, string? customerId)
    {
        if (!Session.Started)
        {
            var now = clock.GetUtcNow();
            Session.Started = true;
            Session.Channel = channel;
            Session.StartedAt = now;
            Session.LastSeenAt = now;
            if (customerId is not null)
            {
                await JoinCustomer(customerId);
            }
            else
            {
                Session.CartId = Guid.NewGuid();
                await GrainFactory.GetGrain<ICartGrain>(Session.CartId).Open(null, channel);
            }
            await state.WriteStateAsync();
        }
        return await View();
    }

    public async Task<SessionResult> AttachCustomer(string customerId)
    {
        if (!Session.Started)
        {
            return new SessionResult(null, [UserError.NotFound("sessionId", $"no session {this.GetPrimaryKeyString()}")]);
        }
        if (Session.CustomerId == customerId)
        {
            return new SessionResult(await View(), []);
        }
        if (Session.CustomerId is not null)
        {
            return new SessionResult(await View(), [new UserError(ErrorCode.CONFLICT, "this session belongs to another customer", "sessionId")]);
        }

        var anonymousCart = Session.CartId;
        var customer = await GrainFactory.GetGrain<ICustomerGrain>(customerId).Get();
        IReadOnlyList<UserError> warnings = [];
        if (anonymousCart != customer.CartId)
        {
            var merged = await GrainFactory.GetGrain<ICartGrain>(anonymousCart).MergeInto(customer.CartId, Session.Channel);
            if (merged.Cart is null || merged.Cart.Id != customer.CartId && merged.Errors.Count > 0)
            {
                return new SessionResult(await View(), merged.Errors);
            }
            warnings = merged.Errors;
        }
        await JoinCustomer(customerId);
        Session.LastSeenAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        return new SessionResult(await View(), warnings);
    }

    public async Task Touch()
    {
        var now = clock.GetUtcNow();
        var write = now - Session.LastSeenAt > SeenWriteInterval;
        Session.LastSeenAt = now;
        if (write && Session.Started)
        {
            await state.WriteStateAsync();
        }
    }

    private async Task JoinCustomer(string customerId)
    {
        var customer = GrainFactory.GetGrain<ICustomerGrain>(customerId);
        await customer.AddSession(this.GetPrimaryKeyString());
        Session.CustomerId = customerId;
        Session.CartId = (await customer.Get()).CartId;
    }

    private async Task<SessionView> View()
    {
        var cartId = Session.CustomerId is { } customerId
            ? (await GrainFactory.GetGrain<ICustomerGrain>(customerId).Get()).CartId
            : Session.CartId;
        return new SessionView(this.GetPrimaryKeyString(), Session.Channel, Session.CustomerId, cartId, Session.StartedAt, Session.LastSeenAt);
    }
}

[GenerateSerializer, Alias("Omni.Sessions.SessionState")]
public sealed class SessionState
{
    [Id(0)] public bool Started { get; set; }
    [Id(1)] public Channel Channel { get; set; }
    [Id(2)] public string? CustomerId { get; set; }
    [Id(3)] public Guid CartId { get; set; }
    [Id(4)] public DateTimeOffset StartedAt { get; set; }
    [Id(5)] public DateTimeOffset LastSeenAt { get; set; }
}
