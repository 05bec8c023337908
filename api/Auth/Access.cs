using Omni.Api.Schema;
using Omni.Orders;

namespace Omni.Api.Auth;

/// <summary>
/// The access rules of the contract. Each throws a GraphQL error (UNAUTHENTICATED when a valid
/// token is needed and missing, FORBIDDEN when the token does not reach the thing) and says
/// nothing about the data behind it.
/// </summary>
public static class Access
{
    /// <summary>
    /// Carts, orders and sessions: one that belongs to a customer only to that customer or OPS;
    /// an anonymous one to whoever knows its (unguessable) id.
    /// </summary>
    public static void EnsureMayUse(this Caller caller, string? ownerCustomerId)
    {
        if (ownerCustomerId is null || caller.IsOps || (caller.Role == Role.CUSTOMER && caller.CustomerId == ownerCustomerId))
        {
            return;
        }
        throw caller.IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();
    }

    /// <summary>
    /// An order: as <see cref="EnsureMayUse"/>, and also to staff of a store where it has a
    /// fulfillment or where units of it were returned.
    /// </summary>
    public static void EnsureMayRead(this Caller caller, OrderView order)
    {
        if (caller is { Role: Role.STAFF, StoreId: { } store }
            && (order.Fulfillments.Any(f => f.StoreId == store) || order.Returns.Any(r => r.StoreId == store)))
        {
            return;
        }
        caller.EnsureMayUse(order.CustomerId);
    }

    /// <summary>POS operations: staff of that store, or OPS.</summary>
    public static void EnsureStaffOf(this Caller caller, string storeId)
    {
        if (caller.IsOps || (caller.Role == Role.STAFF && caller.StoreId == storeId))
        {
            return;
        }
        throw caller.IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();
    }

    public static void EnsureOps(this Caller caller)
    {
        if (!caller.IsOps)
        {
            throw caller.IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();
        }
    }

    /// <summary>The signed-in customer's id; a customer token is needed.</summary>
    public static string EnsureCustomer(this Caller caller) =>
        caller switch
        {
            { Role: Role.CUSTOMER, CustomerId: { } customerId } => customerId,
            { IsAuthenticated: true } => throw Refusals.NotAllowed(),
            _ => throw Refusals.NotAuthenticated(),
        };

    /// <summary>
    /// Where a token is optional but changes the outcome (a session for a customer or an anonymous
    /// one), a bad token is refused rather than quietly taken for no token.
    /// </summary>
    public static Caller EnsureTokenAccepted(this Caller caller) =>
        caller.TokenRejected ? throw Refusals.NotAuthenticated() : caller;
}
