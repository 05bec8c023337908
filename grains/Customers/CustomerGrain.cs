using Omni.Carts;

namespace Omni.Customers;

/// <summary>A customer: the current cart (one for every channel), the active sessions, the orders.</summary>
public sealed class CustomerGrain(
    [PersistentState("customer")] IPersistentState<CustomerState> state) : Grain, ICustomerGrain
{
    /// <summary>Sessions remembered per customer; the oldest make way.</summary>
    private const int MaxSessions = 50;

    private CustomerState Customer => state.State;

    public async Task<CustomerView> Get()
    {
        if (Customer.CartId == Guid.Empty)
        {
            await OpenNewCart();
        }
        return View();
    }

    public async Task AddSession(string sessionId)
    {
        if (Customer.Sessions.Contains(sessionId))
        {
            return;
        }
        Customer.Sessions.Add(sessionId);
        if (Customer.Sessions.Count > MaxSessions)
        {
            Customer.Sessions.RemoveAt(0);
        }
        await state.WriteStateAsync();
    }

    public async Task<CustomerView> CheckedOut(Guid cartId, Guid orderId)
    {
        if (!Customer.Orders.Contains(orderId))
        {
            Customer.Orders.Add(orderId);
        }
        if (Customer.CartId == cartId)
        {
            await OpenNewCart();
        }
        else
        {
            await state.WriteStateAsync();
        }
        return View();
    }

    private async Task OpenNewCart()
    {
        var cartId = Guid.NewGuid();
        await GrainFactory.GetGrain<ICartGrain>(cartId).Open(this.GetPrimaryKeyString(), null);
        Customer.CartId = cartId;
        await state.WriteStateAsync();
    }

    private CustomerView View() => new(this.GetPrimaryKeyString(), Customer.CartId, [.. Customer.Sessions], [.. Customer.Orders]);
}

[GenerateSerializer, Alias("Omni.Customers.CustomerState")]
public sealed class CustomerState
{
    [Id(0)] public Guid CartId { get; set; }
    [Id(1)] public List<string> Sessions { get; set; } = [];
    [Id(2)] public List<Guid> Orders { get; set; } = [];
}
