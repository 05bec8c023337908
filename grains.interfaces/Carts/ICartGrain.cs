using Omni.Orders;

namespace Omni.Carts;

/// <summary>
/// One cart (GUID key, unguessable: whoever knows an anonymous cart's id may use it). Every
/// change is durable before it returns, bumps the version and is published in version order.
/// </summary>
[Alias("Omni.Carts.ICartGrain")]
public interface ICartGrain : IGrainWithGuidKey
{
    /// <summary>The cart, or null if it was never opened.</summary>
    [Alias("Get"), ReadOnly]
    Task<CartView?> Get();

    /// <summary>Opens the cart (idempotent): anonymous, or owned by <paramref name="customerId"/>.</summary>
    [Alias("Open")]
    Task<CartView> Open(string? customerId, Channel? channel);

    [Alias("AddLine")]
    Task<CartResult> AddLine(string sku, int quantity, Fulfillment fulfillment, ChangeContext context);

    /// <summary>Quantity 0 removes the line.</summary>
    [Alias("SetLineQuantity")]
    Task<CartResult> SetLineQuantity(string lineId, int quantity, ChangeContext context);

    [Alias("RemoveLine")]
    Task<CartResult> RemoveLine(string lineId, ChangeContext context);

    /// <summary>Sign-in: moves this (anonymous) cart's lines and holds into <paramref name="target"/> and closes this cart.</summary>
    [Alias("MergeInto")]
    Task<CartResult> MergeInto(Guid target, Channel? channel);

    /// <summary>Takes over lines (with their holds) from a merged cart; overlapping lines add up within available stock.</summary>
    [Alias("Absorb")]
    Task<CartResult> Absorb(Guid from, IReadOnlyList<CartLine> lines, Channel? channel);

    /// <summary>
    /// Turns the cart's holds into an order; a retry with the same key returns the same order.
    /// The checkout is recorded before the order is placed; while its outcome is in doubt the cart
    /// resolves it before anything else, so one cart never places two orders.
    /// </summary>
    [Alias("Checkout")]
    Task<CheckoutResult> Checkout(string idempotencyKey, Channel? channel, Actor? actor = null);

    /// <summary>The order of a checkout in doubt has settled (its saga finished after a crash): record the outcome.</summary>
    [Alias("ResolveCheckout")]
    Task ResolveCheckout();

    /// <summary>Shows lapsed holds now (a timer does this at the earliest hold's end) and returns the cart.</summary>
    [Alias("RefreshHolds")]
    Task<CartView?> RefreshHolds();

    [Alias("Subscribe")]
    Task Subscribe(ICartObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(ICartObserver observer);
}

[Alias("Omni.Carts.ICartObserver")]
public interface ICartObserver : IGrainObserver
{
    [Alias("CartChanged"), OneWay]
    Task CartChanged(CartView cart);
}

[GenerateSerializer, Immutable, Alias("Omni.Carts.CheckoutResult")]
public sealed record CheckoutResult(
    [property: Id(0)] OrderView? Order,
    [property: Id(1)] CartView? Cart,
    [property: Id(2)] IReadOnlyList<UserError> Errors,
    [property: Id(3)] bool Denied = false)
{
    public bool Succeeded => Errors.Count == 0 && !Denied;
}
