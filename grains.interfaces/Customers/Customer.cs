using Omni.Carts;

namespace Omni.Customers;

[GenerateSerializer, Immutable, Alias("Omni.Customers.CustomerView")]
public sealed record CustomerView(
    [property: Id(0)] string Id,
    [property: Id(1)] Guid CartId,
    [property: Id(2)] IReadOnlyList<string> Sessions,
    [property: Id(3)] IReadOnlyList<Guid> Orders);

/// <summary>One customer (key: customer id, the token's <c>sub</c>).</summary>
[Alias("Omni.Customers.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>The customer, with a current cart opened on first use.</summary>
    [Alias("Get")]
    Task<CustomerView> Get();

    /// <summary>The customer if Omni knows them (they have had a cart), without opening one: null otherwise.</summary>
    [Alias("Find"), ReadOnly]
    Task<CustomerView?> Find();

    /// <summary>A session of the customer's started (or signed in, <paramref name="signedIn"/>); the timeline hears of it once.</summary>
    [Alias("AddSession")]
    Task AddSession(string sessionId, Channel? channel = null, bool signedIn = false);

    /// <summary>Delivers what the customer's timeline outbox still holds (the saga sweeper calls this after a crash).</summary>
    [Alias("Resume")]
    Task Resume();

    /// <summary>The current cart was checked out into <paramref name="orderId"/>: record it and open a new, empty cart.</summary>
    [Alias("CheckedOut")]
    Task<CustomerView> CheckedOut(Guid cartId, Guid orderId);
}
