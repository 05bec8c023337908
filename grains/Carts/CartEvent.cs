using System.Text.Json.Serialization;

namespace Omni.Carts;

/// <summary>
/// What happened to a cart. A durable change is one <see cref="CartCommit"/> (one version) of a
/// few of these; replaying the commits through <see cref="CartLedger.Apply"/> rebuilds the cart.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(CartOpened), "opened")]
[JsonDerivedType(typeof(LinePut), "line")]
[JsonDerivedType(typeof(LineRemoved), "removed")]
[JsonDerivedType(typeof(HoldLapsed), "lapsed")]
[JsonDerivedType(typeof(CheckoutStarted), "checkout")]
[JsonDerivedType(typeof(CheckoutCompleted), "checked-out")]
[JsonDerivedType(typeof(CheckoutFailed), "checkout-failed")]
[JsonDerivedType(typeof(MergedAway), "merged")]
[JsonDerivedType(typeof(Absorbed), "absorbed")]
public abstract record CartEvent;

public sealed record CartOpened(string? CustomerId, string Currency) : CartEvent;

/// <summary>A line added, or changed: quantity, location, hold.</summary>
public sealed record LinePut(CartLine Line) : CartEvent;

public sealed record LineRemoved(string LineId) : CartEvent;

/// <summary>The line's hold ran out: its units went back to stock, the line stays without a hold.</summary>
public sealed record HoldLapsed(string LineId) : CartEvent;

/// <summary>
/// Written before the order is placed: from here until it is resolved the checkout is in doubt,
/// and the cart resolves it before it does anything else.
/// </summary>
public sealed record CheckoutStarted(string Key, Guid OrderId) : CartEvent;

public sealed record CheckoutCompleted(string Key, Guid OrderId) : CartEvent;

/// <summary>The order was cancelled and released its holds; the key may be used again.</summary>
public sealed record CheckoutFailed(string Key, Guid OrderId) : CartEvent;

/// <summary>Sign-in: the lines and their holds now belong to <c>Target</c>.</summary>
public sealed record MergedAway(Guid Target) : CartEvent;

/// <summary>The lines of cart <c>From</c> were taken over (each as its own <see cref="LinePut"/>).</summary>
public sealed record Absorbed(Guid From) : CartEvent;

/// <summary>One durable change of a cart: its version is the commit's place in the cart's stream.</summary>
public sealed record CartCommit(DateTimeOffset At, Channel? Channel, IReadOnlyList<CartEvent> Events);
