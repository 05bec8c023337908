using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Catalog;
using Omni.Customers;
using Omni.Hosting;
using Omni.Inventory;
using Omni.Orders;
using Omni.Stores;
using Orleans.Utilities;

namespace Omni.Carts;

/// <summary>
/// One cart. Each line holds its stock at its location (a reservation owned by the cart) until
/// <c>reservedUntil</c>, renewed by activity. Calls are handled one at a time, so versions are
/// assigned in order; every change is written before it returns and then published.
/// </summary>
public sealed partial class CartGrain(
    [PersistentState("cart")] IPersistentState<CartState> state,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<CartOptions> options,
    ILogger<CartGrain> logger) : Grain, ICartGrain
{
    private readonly ObserverManager<ICartObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private IGrainTimer? _lapseTimer;
    private DateTimeOffset? _lapseTimerDue;

    private CartState Cart => state.State;
    private Guid Id => this.GetPrimaryKey();
    private string Owner => $"cart:{Id:N}";
    private TimeSpan HoldFor => options.Value.HoldFor;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ScheduleLapseCheck();
        return Task.CompletedTask;
    }

    public Task<CartView?> Get() => Task.FromResult(Cart.Opened ? View() : null);

    public async Task<CartView> Open(string? customerId, Channel? channel)
    {
        if (!Cart.Opened)
        {
            Cart.Opened = true;
            Cart.CustomerId = customerId;
            Cart.Currency = options.Value.Currency;
            await Commit(channel);
        }
        return View();
    }

    public async Task<CartResult> AddLine(string sku, int quantity, Fulfillment fulfillment, ChangeContext context)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        if (quantity is < 1 or > Limits.MaxUnitsPerLine)
        {
            return Fail(UserError.InvalidArgument("quantity", $"quantity must be between 1 and {Limits.MaxUnitsPerLine}, not {quantity}"));
        }
        var product = CatalogRules.IsValidSku(sku) ? await GrainFactory.GetGrain<IProductGrain>(sku).Get() : null;
        if (product is null)
        {
            return Fail(UserError.NotFound("sku", $"no product '{sku}'"));
        }
        if (await CheckFulfillment(fulfillment) is { } badFulfillment)
        {
            return Fail(badFulfillment);
        }

        var existing = Cart.Lines.FindIndex(l => l.Sku == sku && l.Fulfillment == fulfillment.Kind
            && (fulfillment.Kind == FulfillmentKind.SHIP || l.StoreId == fulfillment.StoreId));
        if (existing >= 0)
        {
            var line = Cart.Lines[existing];
            var total = line.Quantity + quantity;
            if (total > Limits.MaxUnitsPerLine)
            {
                return Fail(UserError.InvalidArgument("quantity", $"a line holds at most {Limits.MaxUnitsPerLine} units; this one has {line.Quantity}"));
            }
            var (held, error) = await Rehold(line, total);
            if (held is null)
            {
                return Fail(error!);
            }
            Cart.Lines[existing] = held;
        }
        else
        {
            if (Cart.Lines.Count >= Limits.MaxLinesPerCart)
            {
                return Fail(UserError.InvalidArgument("sku", $"a cart holds at most {Limits.MaxLinesPerCart} lines"));
            }
            var lineId = $"L{++Cart.NextLine}";
            var (held, error) = await Hold(lineId, product, quantity, fulfillment);
            if (held is null)
            {
                return Fail(error!);
            }
            Cart.Lines.Add(held);
        }
        await RenewHolds();
        await Commit(context.Channel);
        return CartResult.Ok(View());
    }

    public async Task<CartResult> SetLineQuantity(string lineId, int quantity, ChangeContext context)
    {
        if (quantity == 0)
        {
            return await RemoveLine(lineId, context);
        }
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        var index = Cart.Lines.FindIndex(l => l.Id == lineId);
        if (index < 0)
        {
            return Fail(UserError.NotFound("lineId", $"no line '{lineId}' in this cart"));
        }
        if (quantity is < 0 or > Limits.MaxUnitsPerLine)
        {
            return Fail(UserError.InvalidArgument("quantity", $"quantity must be between 0 and {Limits.MaxUnitsPerLine}, not {quantity}"));
        }
        var (held, error) = await Rehold(Cart.Lines[index], quantity);
        if (held is null)
        {
            return Fail(error!);
        }
        Cart.Lines[index] = held;
        await RenewHolds();
        await Commit(context.Channel);
        return CartResult.Ok(View());
    }

    public async Task<CartResult> RemoveLine(string lineId, ChangeContext context)
    {
        if (Guard(context) is { } refused)
        {
            return refused;
        }
        var line = Cart.Lines.Find(l => l.Id == lineId);
        if (line is null)
        {
            return Fail(UserError.NotFound("lineId", $"no line '{lineId}' in this cart"));
        }
        await Release(line);
        Cart.Lines.Remove(line);
        await RenewHolds();
        await Commit(context.Channel);
        return CartResult.Ok(View());
    }

    public async Task<CartResult> MergeInto(Guid target, Channel? channel)
    {
        if (Cart.MergedInto == target)
        {
            return CartResult.Ok(View());
        }
        if (Guard(new ChangeContext(channel)) is { } refused)
        {
            return refused;
        }
        if (target == Id)
        {
            return Fail(UserError.InvalidArgument("target", "a cart cannot merge into itself"));
        }
        MarkLapsedHolds();
        var result = await GrainFactory.GetGrain<ICartGrain>(target).Absorb(Id, [.. Cart.Lines], channel);
        if (result.Cart is null)
        {
            return result;
        }
        // The lines and their holds now belong to the target; this cart is closed, pointing there.
        Cart.Lines.Clear();
        Cart.MergedInto = target;
        await Commit(channel);
        return result;
    }

    public async Task<CartResult> Absorb(Guid from, IReadOnlyList<CartLine> lines, Channel? channel)
    {
        if (Cart.AbsorbedFrom.Contains(from))
        {
            return CartResult.Ok(View());
        }
        if (Guard(new ChangeContext(channel)) is { } refused)
        {
            return refused;
        }
        var warnings = new List<UserError>();
        MarkLapsedHolds();
        foreach (var incoming in lines)
        {
            var index = Cart.Lines.FindIndex(l => l.Sku == incoming.Sku && l.Fulfillment == incoming.Fulfillment
                && (incoming.Fulfillment == FulfillmentKind.SHIP || l.StoreId == incoming.StoreId));
            if (index < 0)
            {
                if (Cart.Lines.Count >= Limits.MaxLinesPerCart)
                {
                    await Release(incoming);
                    warnings.Add(UserError.InvalidArgument("sku", $"{incoming.Sku} was not merged: a cart holds at most {Limits.MaxLinesPerCart} lines"));
                    continue;
                }
                var lineId = $"L{++Cart.NextLine}";
                CartLine? moved = incoming with { Id = lineId };
                if (incoming.ReservationId is null)
                {
                    (moved, var warning) = await HoldWhatIsThere(incoming with { Id = lineId }, incoming.Quantity);
                    if (warning is not null)
                    {
                        warnings.Add(warning);
                    }
                }
                if (moved is not null)
                {
                    Cart.Lines.Add(moved);
                }
                continue;
            }

            // Same SKU and fulfillment: quantities add up, as far as stock allows.
            var line = Cart.Lines[index];
            var wanted = Math.Min(Limits.MaxUnitsPerLine, line.Quantity + incoming.Quantity);
            await Release(incoming);
            var (grown, shortfall) = await HoldWhatIsThere(line, wanted);
            if (shortfall is not null)
            {
                warnings.Add(shortfall);
            }
            if (grown is null)
            {
                Cart.Lines.RemoveAt(index);
            }
            else
            {
                Cart.Lines[index] = grown;
            }
        }
        Cart.AbsorbedFrom.Add(from);
        await RenewHolds();
        await Commit(channel);
        return new CartResult(View(), warnings);
    }

    public async Task<CheckoutResult> Checkout(string idempotencyKey, Channel? channel)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > Limits.MaxIdLength)
        {
            return CheckoutFail(UserError.InvalidArgument("idempotencyKey", $"idempotencyKey must be 1 to {Limits.MaxIdLength} characters"));
        }
        if (Cart.Checkouts.TryGetValue(idempotencyKey, out var known))
        {
            // A retry, possibly after a crash between placing the order and closing the cart.
            return await FinishCheckout(known, idempotencyKey, channel);
        }
        if (Guard(new ChangeContext(channel)) is { } refused)
        {
            return new CheckoutResult(null, refused.Cart, refused.Errors);
        }
        if (Cart.Lines.Count == 0)
        {
            return CheckoutFail(UserError.InvalidArgument("cartId", "the cart is empty"));
        }

        // Lines whose hold lapsed are held again first; if one cannot be, the checkout fails
        // and every hold it took is released (the cart keeps the holds it already had).
        MarkLapsedHolds();
        var taken = new List<CartLine>();
        var lines = new List<CartLine>(Cart.Lines.Count);
        foreach (var line in Cart.Lines)
        {
            if (line.ReservationId is not null)
            {
                lines.Add(line);
                continue;
            }
            var (held, error) = await Rehold(line, line.Quantity);
            if (held is null)
            {
                foreach (var t in taken)
                {
                    await Release(t);
                }
                return CheckoutFail(error!);
            }
            taken.Add(held);
            lines.Add(held);
        }

        var orderId = Guid.NewGuid();
        Cart.Lines = lines;
        Cart.Checkouts[idempotencyKey] = orderId;
        await state.WriteStateAsync();
        return await FinishCheckout(orderId, idempotencyKey, channel);
    }

    private async Task<CheckoutResult> FinishCheckout(Guid orderId, string idempotencyKey, Channel? channel)
    {
        var order = GrainFactory.GetGrain<IOrderGrain>(orderId);
        var placed = await order.Place(Id, Cart.CustomerId,
            [.. Cart.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.Fulfillment, l.StoreId!, l.UnitPrice, l.ReservationId!))],
            Cart.Currency);
        if (!placed.Succeeded)
        {
            // The order undid itself and released every hold it was given: hold the lines again
            // where stock allows, and let this key be tried again.
            Cart.Checkouts.Remove(idempotencyKey);
            for (var i = 0; i < Cart.Lines.Count; i++)
            {
                var unheld = Cart.Lines[i] with { ReservationId = null };
                Cart.Lines[i] = (await Rehold(unheld, unheld.Quantity)).Line ?? unheld;
            }
            await Commit(channel);
            return new CheckoutResult(placed.Order, View(), placed.Errors);
        }
        if (!Cart.CheckedOut)
        {
            Cart.CheckedOut = true;
            Cart.OrderId = orderId;
            await Commit(channel);
        }
        if (Cart.CustomerId is { } customer)
        {
            await GrainFactory.GetGrain<ICustomerGrain>(customer).CheckedOut(Id, orderId);
        }
        return new CheckoutResult(placed.Order, View(), []);
    }

    public Task Subscribe(ICartObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ICartObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ holds

    /// <summary>Holds stock for a new line: at the pickup store, or at a location that ships online.</summary>
    private async Task<(CartLine? Line, UserError? Error)> Hold(string lineId, Product product, int quantity, Fulfillment fulfillment)
    {
        var candidates = fulfillment.Kind == FulfillmentKind.PICKUP
            ? [fulfillment.StoreId!]
            : await ShippingLocations(product.Sku, quantity);
        foreach (var storeId in candidates)
        {
            var reservationId = NextReservationId(lineId);
            var result = await GrainFactory.Inventory(storeId, product.Sku).Reserve(reservationId, quantity, HoldFor, Owner);
            if (result.Succeeded)
            {
                return (new CartLine(lineId, product.Sku, quantity, fulfillment.Kind, storeId, reservationId,
                    result.Reservation!.ExpiresAt, product.UnitPrice, product.Currency), null);
            }
            if (result.Error!.Code != ErrorCode.INSUFFICIENT_STOCK)
            {
                return (null, result.Error);
            }
        }
        return (null, await NotEnough(product.Sku, quantity, fulfillment));
    }

    /// <summary>Sets a line's hold to <paramref name="quantity"/>: grows or shrinks it, or holds again if it lapsed.</summary>
    private async Task<(CartLine? Line, UserError? Error)> Rehold(CartLine line, int quantity)
    {
        if (line.ReservationId is { } reservationId && line.ReservedUntil > clock.GetUtcNow())
        {
            var operation = $"{reservationId}:q{quantity}:v{Cart.Version}";
            var result = await GrainFactory.Inventory(line.StoreId!, line.Sku).AdjustReservation(operation, reservationId, quantity, HoldFor);
            if (result.Succeeded)
            {
                return (line with { Quantity = quantity, ReservedUntil = result.Reservation!.ExpiresAt }, null);
            }
            if (result.Error!.Code == ErrorCode.INSUFFICIENT_STOCK)
            {
                return (null, await NotEnough(line.Sku, quantity, new Fulfillment(line.Fulfillment, line.StoreId)));
            }
            if (result.Error.Code is not (ErrorCode.RESERVATION_EXPIRED or ErrorCode.NOT_FOUND or ErrorCode.CONFLICT))
            {
                return (null, result.Error);
            }
            // The hold is gone (lapsed, or released or sold elsewhere): hold afresh below.
        }
        var product = new Product(line.Sku, "", line.UnitPrice, line.Currency);
        var fulfillment = line.Fulfillment == FulfillmentKind.PICKUP ? new Fulfillment(FulfillmentKind.PICKUP, line.StoreId) : Fulfillment.Ship;
        return await Hold(line.Id, product, quantity, fulfillment);
    }

    /// <summary>For a merge: the wanted quantity if stock allows, else what is available, with a warning.</summary>
    private async Task<(CartLine? Line, UserError? Warning)> HoldWhatIsThere(CartLine line, int wanted)
    {
        var (held, error) = await Rehold(line, wanted);
        if (held is not null)
        {
            return (held, null);
        }
        var available = line.StoreId is null ? 0 : (await GrainFactory.Inventory(line.StoreId, line.Sku).GetStock()).Available
            + (line.ReservationId is not null && line.ReservedUntil > clock.GetUtcNow() ? line.Quantity : 0);
        var partial = Math.Min(available, wanted);
        if (partial > 0 && (await Rehold(line, partial)).Line is { } some)
        {
            return (some, new UserError(ErrorCode.INSUFFICIENT_STOCK, $"{line.Sku}: only {partial} of {wanted} could be held", "sku"));
        }
        await Release(line);
        return (null, new UserError(ErrorCode.INSUFFICIENT_STOCK, $"{line.Sku}: no stock left to hold; the line was dropped ({error?.Message})", "sku"));
    }

    private async Task Release(CartLine line)
    {
        if (line.ReservationId is { } reservationId && line.StoreId is { } storeId)
        {
            var result = await GrainFactory.Inventory(storeId, line.Sku).Release(reservationId);
            if (!result.Succeeded && result.Error!.Code is not (ErrorCode.NOT_FOUND or ErrorCode.CONFLICT))
            {
                LogReleaseRefused(logger, Id, reservationId, result.Error.Message);
            }
        }
    }

    /// <summary>Activity renews holds that are past half their time, so a shopper who is busy keeps them.</summary>
    private async Task RenewHolds()
    {
        var now = clock.GetUtcNow();
        for (var i = 0; i < Cart.Lines.Count; i++)
        {
            var line = Cart.Lines[i];
            if (line.ReservationId is not null && line.ReservedUntil is { } until && until > now && until - now < HoldFor / 2)
            {
                var renewed = await GrainFactory.Inventory(line.StoreId!, line.Sku)
                    .AdjustReservation($"{line.ReservationId}:renew:v{Cart.Version}", line.ReservationId, line.Quantity, HoldFor);
                if (renewed.Succeeded)
                {
                    Cart.Lines[i] = line with { ReservedUntil = renewed.Reservation!.ExpiresAt };
                }
            }
        }
    }

    /// <summary>A lapsed hold shows on its line: no reservation id, <c>reservedUntil</c> in the past.</summary>
    private bool MarkLapsedHolds()
    {
        var now = clock.GetUtcNow();
        var changed = false;
        for (var i = 0; i < Cart.Lines.Count; i++)
        {
            if (Cart.Lines[i] is { ReservationId: not null, ReservedUntil: { } until } line && until <= now)
            {
                Cart.Lines[i] = line with { ReservationId = null };
                changed = true;
            }
        }
        return changed;
    }

    private async Task<IReadOnlyList<string>> ShippingLocations(string sku, int quantity)
    {
        var stores = await GrainFactory.GetGrain<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).List();
        var shipping = stores.Where(s => s.ShipsOnline).ToDictionary(s => s.Id);
        var availability = await GrainFactory.GetGrain<ISkuGrain>(sku).GetAvailability();
        var able = availability.Locations.Where(l => shipping.ContainsKey(l.StoreId) && l.Available >= quantity);
        var ordered = options.Value.Allocation == AllocationStrategy.MostAvailable
            ? able.OrderByDescending(l => l.Available).ThenBy(l => shipping[l.StoreId].Priority)
            : able.OrderBy(l => shipping[l.StoreId].Priority).ThenByDescending(l => l.Available);
        return [.. ordered.Select(l => l.StoreId)];
    }

    private async Task<UserError> NotEnough(string sku, int quantity, Fulfillment fulfillment)
    {
        var directory = GrainFactory.GetGrain<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key);
        var view = GrainFactory.GetGrain<ISkuGrain>(sku);
        var availability = await view.GetAvailability();
        var here = fulfillment.StoreId is { } storeId ? await directory.Get(storeId) : null;
        var origin = here ?? (await directory.List()).Where(s => s.ShipsOnline).OrderBy(s => s.Priority).FirstOrDefault();
        var nearest = origin is null ? [] : await view.Nearest(origin.Latitude, origin.Longitude, quantity, 3);
        var have = fulfillment.Kind == FulfillmentKind.PICKUP
            ? availability.Locations.FirstOrDefault(l => l.StoreId == fulfillment.StoreId)?.Available ?? 0
            : availability.OnlineAvailable;
        var where = fulfillment.Kind == FulfillmentKind.PICKUP ? $"at {here?.Name ?? fulfillment.StoreId}" : "online";
        var alternatives = nearest.Count == 0
            ? "no store has that many"
            : "nearest stores with it: " + string.Join(", ", nearest.Select(n => $"{n.Store.Name} ({n.Store.Id}, {n.Available} available, {n.DistanceKm:0} km)"));
        return new UserError(ErrorCode.INSUFFICIENT_STOCK, $"only {have} of {sku} available {where}, {quantity} asked; {alternatives}", "quantity");
    }

    private async Task<UserError?> CheckFulfillment(Fulfillment fulfillment)
    {
        if (fulfillment.Kind == FulfillmentKind.SHIP)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(fulfillment.StoreId))
        {
            return UserError.InvalidArgument("fulfillment.storeId", "PICKUP needs the store to pick up at");
        }
        var store = await GrainFactory.GetGrain<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).Get(fulfillment.StoreId);
        return store switch
        {
            null => UserError.NotFound("fulfillment.storeId", $"no store '{fulfillment.StoreId}'"),
            { PickupEnabled: false } => UserError.InvalidArgument("fulfillment.storeId", $"{store.Name} does not offer pickup"),
            _ => null,
        };
    }

    private string NextReservationId(string lineId) => $"c{Id:N}-{lineId}-{++Cart.NextHold}";

    // ------------------------------------------------------------------ state

    private CartResult? Guard(ChangeContext context)
    {
        if (!Cart.Opened)
        {
            return CartResult.Fail(null, UserError.NotFound("cartId", $"no cart {Id}"));
        }
        if (Cart.CheckedOut)
        {
            return Fail(new UserError(ErrorCode.ALREADY_CHECKED_OUT, $"cart {Id} was checked out into order {Cart.OrderId}", "cartId"));
        }
        if (Cart.MergedInto is { } target)
        {
            return Fail(new UserError(ErrorCode.CONFLICT, $"cart {Id} was merged into cart {target}", "cartId"));
        }
        if (context.ExpectedVersion is { } expected && expected != Cart.Version)
        {
            return Fail(new UserError(ErrorCode.VERSION_CONFLICT, $"the cart is at version {Cart.Version}, not {expected}: reload it and try again", "expectedVersion"));
        }
        return null;
    }

    private CartResult Fail(UserError error) => CartResult.Fail(View(), error);

    private CheckoutResult CheckoutFail(UserError error) => new(null, Cart.Opened ? View() : null, [error]);

    /// <summary>Bumps the version, writes, then publishes: nothing is acknowledged before it is durable.</summary>
    private async Task Commit(Channel? channel)
    {
        MarkLapsedHolds();
        Cart.Version++;
        Cart.UpdatedAt = clock.GetUtcNow();
        Cart.LastChangedBy = channel ?? Cart.LastChangedBy;
        await state.WriteStateAsync();
        var view = View();
        await _observers.Notify(o => o.CartChanged(view));
        ScheduleLapseCheck();
    }

    private CartView View() => new(Id, Cart.CustomerId, Cart.Version, [.. Cart.Lines], Cart.Currency, Cart.CheckedOut,
        Cart.UpdatedAt, Cart.LastChangedBy, Cart.MergedInto, Cart.OrderId);

    /// <summary>A timer at the earliest hold's end shows the lapse on the line (and tells subscribers).</summary>
    private void ScheduleLapseCheck()
    {
        var due = Cart.CheckedOut ? null : Cart.Lines.Where(l => l.ReservationId is not null).Min(l => l.ReservedUntil);
        if (due is null || (_lapseTimer is not null && _lapseTimerDue == due))
        {
            return;
        }
        _lapseTimer?.Dispose();
        _lapseTimerDue = due;
        var delay = due.Value - clock.GetUtcNow();
        _lapseTimer = this.RegisterGrainTimer(
            static async (grain, _) => await grain.OnLapseTimer(),
            this,
            new GrainTimerCreationOptions(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task OnLapseTimer()
    {
        _lapseTimer?.Dispose();
        _lapseTimer = null;
        _lapseTimerDue = null;
        await RefreshLapses();
        ScheduleLapseCheck();
    }

    public async Task<CartView?> RefreshHolds()
    {
        await RefreshLapses();
        return Cart.Opened ? View() : null;
    }

    /// <summary>Records lapsed holds as a change of the cart, so subscribers hear of them.</summary>
    private async Task RefreshLapses()
    {
        if (Cart.Opened && !Cart.CheckedOut && Cart.MergedInto is null && MarkLapsedHolds())
        {
            await Commit(null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cart {CartId}: releasing hold {ReservationId} was refused: {Reason}")]
    private static partial void LogReleaseRefused(ILogger logger, Guid cartId, string reservationId, string reason);
}

[GenerateSerializer, Alias("Omni.Carts.CartState")]
public sealed class CartState
{
    [Id(0)] public bool Opened { get; set; }
    [Id(1)] public string? CustomerId { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public List<CartLine> Lines { get; set; } = [];
    [Id(4)] public string Currency { get; set; } = "EUR";
    [Id(5)] public bool CheckedOut { get; set; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(7)] public Channel? LastChangedBy { get; set; }
    [Id(8)] public Guid? MergedInto { get; set; }
    [Id(9)] public Guid? OrderId { get; set; }
    [Id(10)] public int NextLine { get; set; }
    [Id(11)] public int NextHold { get; set; }
    [Id(12)] public HashSet<Guid> AbsorbedFrom { get; set; } = [];
    [Id(13)] public Dictionary<string, Guid> Checkouts { get; set; } = [];
}

public enum AllocationStrategy
{
    /// <summary>Locations in priority order (the warehouse first), then by available.</summary>
    Priority,
    /// <summary>The location with the most available first.</summary>
    MostAvailable,
}

public sealed class CartOptions
{
    /// <summary>How long a line holds its stock without activity on the cart.</summary>
    public TimeSpan HoldFor { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>How a SHIP line picks its location.</summary>
    public AllocationStrategy Allocation { get; set; } = AllocationStrategy.Priority;
    public string Currency { get; set; } = "EUR";
}
