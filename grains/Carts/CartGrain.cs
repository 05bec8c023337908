using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Catalog;
using Omni.Common;
using Omni.Customers;
using Omni.Hosting;
using Omni.Inventory;
using Omni.Journal;
using Omni.Orders;
using Omni.Sessions;
using Omni.Stores;
using Orleans.Utilities;

namespace Omni.Carts;

/// <summary>
/// One cart: the Orleans shell around <see cref="CartLedger"/>. It takes each line's hold from
/// the inventory grain of its location (owned by the cart, until <c>reservedUntil</c>, renewed
/// by activity), records what changed as one commit in the journal (group-committed with other
/// grains' commits by the silo's <see cref="JournalCommitter"/>), and publishes the new state.
/// Calls are handled one at a time, so versions are assigned in order; nothing is acknowledged
/// before its commit is durable.
/// </summary>
public sealed partial class CartGrain(
    JournalCommitter committer,
    LegacyGrainState legacy,
    StoreDirectoryCache stores,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<CartOptions> options,
    IOptions<JournalOptions> journalOptions,
    ILogger<CartGrain> logger) : Grain, ICartGrain
{
    private readonly ObserverManager<ICartObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private CartLedger _ledger = null!;
    private StreamJournal<CartCommit, CartSnapshot> _journal = null!;
    private bool _broken;
    private bool _customerTold;
    private IGrainTimer? _lapseTimer;
    private DateTimeOffset? _lapseTimerDue;
    // The client this anonymous cart's held units count against, and how many it was last told.
    private string? _client;
    private int _counted;

    private Guid Id => this.GetPrimaryKey();
    private TimeSpan HoldFor => options.Value.HoldFor;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"cart/{Id:N}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        _ledger = snapshot is null ? new CartLedger(Id) : CartLedger.FromSnapshot(Id, snapshot);
        foreach (var commit in commits)
        {
            _ledger.Apply(commit);
        }
        if (_journal.Version == 0 && await legacy.Read<CartStateV1>("cart", this.GetGrainId()) is { Opened: true } old)
        {
            _ledger = CartLedger.FromSnapshot(Id, old.ToSnapshot());
            await _journal.Adopt(_ledger.Version, _ledger.ToSnapshot(), cancellationToken);
        }
        ScheduleLapseCheck();
    }

    public Task<CartView?> Get() => Task.FromResult(_ledger.Opened ? _ledger.View() : null);

    public async Task<CartView> Open(string? customerId, Channel? channel)
    {
        ThrowIfBroken();
        _ledger.Open(customerId, options.Value.Currency);
        await Commit(channel);
        return _ledger.View();
    }

    public async Task<CartResult> AddLine(string sku, int quantity, Fulfillment fulfillment, ChangeContext context)
    {
        // The reads this change needs go out together, before anything waits.
        var session = LookUp(context);
        var product = CatalogRules.IsValidSku(sku) ? GrainFactory.Ref<IProductGrain>(sku).Get() : Task.FromResult<Product?>(null);
        var (refused, channel) = await Admit(context, session);
        if (refused is not null)
        {
            return refused;
        }
        var existing = _ledger.LineFor(sku, fulfillment.Kind, fulfillment.StoreId);
        if (_ledger.CheckQuantity(quantity, newLine: existing is null) is { } badQuantity)
        {
            return Fail(badQuantity);
        }
        if (existing is not null && existing.Quantity + quantity > Limits.MaxUnitsPerLine)
        {
            return Fail(UserError.InvalidArgument("quantity", $"a line holds at most {Limits.MaxUnitsPerLine} units; this one has {existing.Quantity}"));
        }
        if (_ledger.CheckAnonymousUnits(existing?.Id, (existing?.Quantity ?? 0) + quantity, options.Value.MaxAnonymousUnits) is { } tooMany)
        {
            return Fail(tooMany);
        }
        if (await ClaimForClient(context, existing?.Id, (existing?.Quantity ?? 0) + quantity) is { } clientFull)
        {
            return Fail(clientFull);
        }
        if (await product is not { } found)
        {
            return Fail(UserError.NotFound("sku", $"no product '{sku}'"));
        }
        if (await CheckFulfillment(fulfillment) is { } badFulfillment)
        {
            return Fail(badFulfillment);
        }

        var (held, error) = existing is null
            ? await Hold(_ledger.NewLineId(), found, quantity, fulfillment)
            : await Rehold(existing, existing.Quantity + quantity);
        if (held is null)
        {
            return Fail(error!);
        }
        _ledger.Put(held);
        await RenewHolds();
        await Commit(channel);
        return CartResult.Ok(_ledger.View());
    }

    public async Task<CartResult> SetLineQuantity(string lineId, int quantity, ChangeContext context)
    {
        if (quantity == 0)
        {
            return await RemoveLine(lineId, context);
        }
        var (refused, channel) = await Admit(context, LookUp(context));
        if (refused is not null)
        {
            return refused;
        }
        if (_ledger.Line(lineId) is not { } line)
        {
            return Fail(UserError.NotFound("lineId", $"no line '{lineId}' in this cart"));
        }
        if (_ledger.CheckQuantity(quantity, newLine: false) is { } badQuantity)
        {
            return Fail(badQuantity);
        }
        if (_ledger.CheckAnonymousUnits(lineId, quantity, options.Value.MaxAnonymousUnits) is { } tooMany)
        {
            return Fail(tooMany);
        }
        if (await ClaimForClient(context, lineId, quantity) is { } clientFull)
        {
            return Fail(clientFull);
        }
        var (held, error) = await Rehold(line, quantity);
        if (held is null)
        {
            return Fail(error!);
        }
        _ledger.Put(held);
        await RenewHolds();
        await Commit(channel);
        return CartResult.Ok(_ledger.View());
    }

    public async Task<CartResult> RemoveLine(string lineId, ChangeContext context)
    {
        var (refused, channel) = await Admit(context, LookUp(context));
        if (refused is not null)
        {
            return refused;
        }
        if (_ledger.Line(lineId) is not { } line)
        {
            return Fail(UserError.NotFound("lineId", $"no line '{lineId}' in this cart"));
        }
        await Release(line);
        _ledger.Remove(lineId);
        await RenewHolds();
        await Commit(channel);
        return CartResult.Ok(_ledger.View());
    }

    public async Task<CartResult> MergeInto(Guid target, Channel? channel)
    {
        if (_ledger.MergedInto == target)
        {
            return CartResult.Ok(_ledger.View());
        }
        var (refused, _) = await Admit(new ChangeContext(channel), null);
        if (refused is not null)
        {
            return refused;
        }
        if (target == Id)
        {
            return Fail(UserError.InvalidArgument("target", "a cart cannot merge into itself"));
        }
        if (_ledger.MarkLapsed(clock.GetUtcNow()))
        {
            await Commit(channel);
        }
        var result = await GrainFactory.Ref<ICartGrain>(target).Absorb(Id, [.. _ledger.Lines], channel);
        if (!Absorbed(result))
        {
            // The target refused (checked out, merged, gone): this cart keeps its lines and holds.
            return result;
        }
        _ledger.MergeAway(target);
        await Commit(channel);
        return result;
    }

    public async Task<CartResult> Absorb(Guid from, IReadOnlyList<CartLine> lines, Channel? channel)
    {
        if (_ledger.HasAbsorbed(from))
        {
            return CartResult.Ok(_ledger.View());
        }
        var (refused, _) = await Admit(new ChangeContext(channel), null);
        if (refused is not null)
        {
            return refused;
        }
        var warnings = new List<UserError>();
        _ledger.MarkLapsed(clock.GetUtcNow());
        foreach (var incoming in lines)
        {
            var line = _ledger.LineFor(incoming.Sku, incoming.Fulfillment, incoming.StoreId);
            if (line is null)
            {
                if (_ledger.CheckQuantity(incoming.Quantity, newLine: true) is not null)
                {
                    await Release(incoming);
                    warnings.Add(UserError.InvalidArgument("sku", $"{incoming.Sku} was not merged: a cart holds at most {Limits.MaxLinesPerCart} lines"));
                    continue;
                }
                CartLine? moved = incoming with { Id = _ledger.NewLineId() };
                if (!_ledger.IsHeld(incoming, clock.GetUtcNow()))
                {
                    (moved, var warning) = await HoldWhatIsThere(incoming with { Id = _ledger.NewLineId(), ReservationId = null }, incoming.Quantity);
                    if (warning is not null)
                    {
                        warnings.Add(warning);
                    }
                }
                if (moved is not null)
                {
                    _ledger.Put(moved);
                }
                continue;
            }

            // Same SKU and fulfillment: quantities add up, as far as stock allows.
            var wanted = Math.Min(Limits.MaxUnitsPerLine, line.Quantity + incoming.Quantity);
            await Release(incoming);
            var (grown, shortfall) = await HoldWhatIsThere(line, wanted);
            if (shortfall is not null)
            {
                warnings.Add(shortfall);
            }
            if (grown is null)
            {
                _ledger.Remove(line.Id);
            }
            else
            {
                _ledger.Put(grown);
            }
        }
        _ledger.Absorb(from);
        await RenewHolds();
        await Commit(channel);
        return new CartResult(_ledger.View(), warnings);
    }

    public async Task<CheckoutResult> Checkout(string idempotencyKey, Channel? channel, Actor? actor = null)
    {
        ThrowIfBroken();
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > Limits.MaxIdLength)
        {
            return CheckoutFail(UserError.InvalidArgument("idempotencyKey", $"idempotencyKey must be 1 to {Limits.MaxIdLength} characters"));
        }
        if (!_ledger.Opened)
        {
            return CheckoutFail(UserError.NotFound("cartId", $"no cart {Id}"));
        }
        if (!_ledger.MayBeUsedBy(actor))
        {
            return new CheckoutResult(null, null, [], Denied: true);
        }
        if (await ResolveCheckoutInDoubt(channel) is { } resolved && resolved.Key == idempotencyKey)
        {
            return resolved.Result;
        }
        if (_ledger.TryGetCheckout(idempotencyKey, out var orderId))
        {
            // A retry of a checkout that went through: the same order, and the customer told again.
            await TellCustomer(orderId);
            return new CheckoutResult(await GrainFactory.Ref<IOrderGrain>(orderId).Get(), _ledger.View(), []);
        }
        if (_ledger.Refusal(null) is { } refusal)
        {
            RepairCustomer();
            return CheckoutFail(refusal);
        }
        if (_ledger.Lines.Count == 0)
        {
            return CheckoutFail(UserError.InvalidArgument("cartId", "the cart is empty"));
        }

        // Lines whose hold lapsed are held again first; if one cannot be, the checkout fails
        // and every hold it took is released (the cart keeps the holds it already had).
        var now = clock.GetUtcNow();
        var reheld = new List<CartLine>();
        foreach (var line in _ledger.Lines.Where(l => !_ledger.IsHeld(l, now)).ToList())
        {
            var (held, error) = await Rehold(line with { ReservationId = null }, line.Quantity);
            if (held is null)
            {
                foreach (var taken in reheld)
                {
                    await Release(taken);
                }
                return CheckoutFail(error!);
            }
            reheld.Add(held);
        }
        foreach (var held in reheld)
        {
            _ledger.Put(held);
        }

        // Durable before the order exists: from here the checkout is in doubt until settled.
        _ledger.StartCheckout(idempotencyKey, Guid.NewGuid());
        await Commit(channel);
        return (await ResolveCheckoutInDoubt(channel))?.Result
            ?? throw new InvalidOperationException("a checkout that was just started is in doubt");
    }

    public async Task ResolveCheckout()
    {
        ThrowIfBroken();
        await ResolveCheckoutInDoubt(null);
    }

    /// <summary>
    /// Settles a checkout in doubt: asks its order (placing it, if the crash came before it was
    /// asked; the order is idempotent by its id) and records the outcome. Returns null when no
    /// checkout was in doubt.
    /// </summary>
    private async Task<(string Key, CheckoutResult Result)?> ResolveCheckoutInDoubt(Channel? channel)
    {
        if (_ledger.CheckoutInDoubt is not var (key, orderId))
        {
            return null;
        }
        var placed = await GrainFactory.Ref<IOrderGrain>(orderId).Place(Id, _ledger.CustomerId,
            [.. _ledger.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.Fulfillment, l.StoreId!, l.UnitPrice, l.ReservationId!))],
            _ledger.Currency, channel ?? _ledger.LastChangedBy);
        if (placed.Order is { Status: not OrderStatus.CANCELLED })
        {
            _ledger.CompleteCheckout(key, orderId);
            await Commit(channel);
            await TellCustomer(orderId);
            return (key, new CheckoutResult(placed.Order, _ledger.View(), []));
        }

        // The order undid itself and released every hold it was given: hold the lines again
        // where stock allows, and let this key be tried again.
        _ledger.FailCheckout(key, orderId);
        foreach (var line in _ledger.Lines.ToList())
        {
            var unheld = line with { ReservationId = null };
            _ledger.Put((await Rehold(unheld, unheld.Quantity)).Line ?? unheld);
        }
        await Commit(channel);
        return (key, new CheckoutResult(placed.Order, _ledger.View(), placed.Errors));
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

    // ------------------------------------------------------------------ who may change it

    private Task<SessionTag?>? LookUp(ChangeContext context) =>
        context.SessionId is { } sessionId ? GrainFactory.Ref<ISessionGrain>(sessionId).Use() : null;

    /// <summary>
    /// The common gate of a change: the cart exists and is the actor's; the session, when named,
    /// exists and is the actor's too and lends its channel; a checkout in doubt is settled first;
    /// the cart is still open and at the version the caller expects.
    /// </summary>
    private async Task<(CartResult? Refused, Channel? Channel)> Admit(ChangeContext context, Task<SessionTag?>? session)
    {
        ThrowIfBroken();
        if (!_ledger.Opened)
        {
            return (CartResult.Fail(null, UserError.NotFound("cartId", $"no cart {Id}")), null);
        }
        if (!_ledger.MayBeUsedBy(context.Actor))
        {
            return (CartResult.Refused, null);
        }
        var channel = context.Channel;
        if (session is not null)
        {
            if (await session is not { } tag)
            {
                return (Fail(UserError.NotFound("sessionId", $"no session '{context.SessionId}'")), null);
            }
            if (context.Actor is { Ops: false } actor && tag.CustomerId is not null && tag.CustomerId != actor.CustomerId)
            {
                return (CartResult.Refused, null);
            }
            channel = tag.Channel;
        }
        await ResolveCheckoutInDoubt(channel);
        if (_ledger.Refusal(context.ExpectedVersion) is { } refusal)
        {
            RepairCustomer();
            return (Fail(refusal), channel);
        }
        return (null, channel);
    }

    /// <summary>A merge went through unless the target refused it outright (warnings about stock are not refusals).</summary>
    private static bool Absorbed(CartResult result) =>
        !result.Denied && result.Cart is not null
        && result.Errors.All(e => e.Code is ErrorCode.INSUFFICIENT_STOCK or ErrorCode.INVALID_ARGUMENT);

    private async Task TellCustomer(Guid orderId)
    {
        if (_ledger.CustomerId is { } customer)
        {
            await GrainFactory.Ref<ICustomerGrain>(customer).CheckedOut(Id, orderId);
        }
    }

    /// <summary>
    /// A customer's cart that is checked out but still the customer's current one (the customer
    /// was not told: a crash in between) tells the customer again, so the next read moves on.
    /// </summary>
    private void RepairCustomer()
    {
        // Once per activation: a client retrying against the closed cart must not cost a call each time.
        if (!_customerTold && _ledger is { CheckedOut: true, CustomerId: { } customer, OrderId: { } orderId })
        {
            _customerTold = true;
            GrainFactory.Ref<ICustomerGrain>(customer).CheckedOut(Id, orderId).Ignore();
        }
    }

    // ------------------------------------------------------------------ holds

    /// <summary>
    /// Holds stock for a new line: at the pickup store, or at a location that ships online. With
    /// priority allocation the first location is tried directly; the SKU's network view is read
    /// only when it refuses.
    /// </summary>
    private async Task<(CartLine? Line, UserError? Error)> Hold(string lineId, Product product, int quantity, Fulfillment fulfillment)
    {
        string? tried = null;
        if (fulfillment.Kind == FulfillmentKind.PICKUP || options.Value.Allocation == AllocationStrategy.Priority)
        {
            tried = fulfillment.Kind == FulfillmentKind.PICKUP ? fulfillment.StoreId! : (await stores.Shipping()).FirstOrDefault()?.Id;
            if (tried is not null)
            {
                var (line, error) = await HoldAt(tried, lineId, product, quantity, fulfillment);
                if (line is not null || error is not null)
                {
                    return (line, error);
                }
                if (fulfillment.Kind == FulfillmentKind.PICKUP)
                {
                    return (null, await NotEnough(product.Sku, quantity, fulfillment));
                }
            }
        }
        foreach (var storeId in await ShippingLocations(product.Sku, quantity))
        {
            if (storeId == tried)
            {
                continue;
            }
            var (line, error) = await HoldAt(storeId, lineId, product, quantity, fulfillment);
            if (line is not null || error is not null)
            {
                return (line, error);
            }
        }
        return (null, await NotEnough(product.Sku, quantity, fulfillment));
    }

    /// <summary>A hold at one location: the line, or an error other than "not enough here", or neither.</summary>
    private async Task<(CartLine? Line, UserError? Error)> HoldAt(string storeId, string lineId, Product product, int quantity, Fulfillment fulfillment)
    {
        var result = await GrainFactory.Inventory(storeId, product.Sku).Reserve(_ledger.NewReservationId(lineId), quantity, HoldFor, _ledger.HoldOwner);
        if (result.Succeeded)
        {
            return (new CartLine(lineId, product.Sku, quantity, fulfillment.Kind, storeId, result.Reservation!.Id,
                result.Reservation.ExpiresAt, product.UnitPrice, product.Currency, HeldSince: clock.GetUtcNow()), null);
        }
        return result.Error!.Code == ErrorCode.INSUFFICIENT_STOCK ? (null, null) : (null, result.Error);
    }

    /// <summary>Sets a line's hold to <paramref name="quantity"/>: grows or shrinks it, or holds again if it lapsed.</summary>
    private async Task<(CartLine? Line, UserError? Error)> Rehold(CartLine line, int quantity)
    {
        if (line.ReservationId is { } reservationId && _ledger.IsHeld(line, clock.GetUtcNow()))
        {
            var operation = $"{reservationId}:q{quantity}:v{_ledger.Version}";
            var renewable = RenewableFor(line, clock.GetUtcNow());
            var holdFor = renewable < Limits.MinHold ? Limits.MinHold : renewable;
            var result = await GrainFactory.Inventory(line.StoreId!, line.Sku).AdjustReservation(operation, reservationId, quantity, holdFor);
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
        var (held, error) = await Hold(line.Id, product, quantity, fulfillment);
        return (held, error);
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
            + (_ledger.IsHeld(line, clock.GetUtcNow()) ? line.Quantity : 0);
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
            if (!result.Succeeded && result.Error!.Code is not (ErrorCode.NOT_FOUND or ErrorCode.CONFLICT or ErrorCode.RESERVATION_EXPIRED))
            {
                LogReleaseRefused(logger, Id, reservationId, result.Error.Message);
            }
        }
    }

    /// <summary>Activity renews holds that are past half their time, so a shopper who is busy keeps them.</summary>
    private async Task RenewHolds()
    {
        var now = clock.GetUtcNow();
        var due = _ledger.Lines
            .Where(l => _ledger.IsHeld(l, now) && l.ReservedUntil - now < HoldFor / 2 && now + RenewableFor(l, now) > l.ReservedUntil + Limits.MinHold)
            .ToList();
        var renewals = await Task.WhenAll(due.Select(line => GrainFactory.Inventory(line.StoreId!, line.Sku)
            .AdjustReservation($"{line.ReservationId}:renew:v{_ledger.Version}", line.ReservationId!, line.Quantity, RenewableFor(line, now))));
        for (var i = 0; i < due.Count; i++)
        {
            if (renewals[i].Succeeded)
            {
                _ledger.Put(due[i] with { ReservedUntil = renewals[i].Reservation!.ExpiresAt });
            }
        }
    }

    /// <summary>
    /// How long a renewal may hold <paramref name="line"/> from now: <c>HoldFor</c>, but never past
    /// <c>MaxHoldLifetime</c> after the hold was taken (issue 12, item 7).
    /// </summary>
    private TimeSpan RenewableFor(CartLine line, DateTimeOffset now)
    {
        var end = (line.HeldSince ?? now) + options.Value.MaxHoldLifetime - now;
        return end < HoldFor ? end : HoldFor;
    }

    private async Task<IReadOnlyList<string>> ShippingLocations(string sku, int quantity)
    {
        var shipping = (await stores.Shipping()).Select((s, rank) => (s.Id, rank)).ToDictionary(s => s.Id, s => s.rank);
        var availability = await GrainFactory.Ref<ISkuGrain>(sku).GetAvailability();
        var able = availability.Locations.Where(l => shipping.ContainsKey(l.StoreId) && l.Available >= quantity);
        var ordered = options.Value.Allocation == AllocationStrategy.MostAvailable
            ? able.OrderByDescending(l => l.Available).ThenBy(l => shipping[l.StoreId])
            : able.OrderBy(l => shipping[l.StoreId]).ThenByDescending(l => l.Available);
        return [.. ordered.Select(l => l.StoreId)];
    }

    private async Task<UserError> NotEnough(string sku, int quantity, Fulfillment fulfillment)
    {
        var view = GrainFactory.Ref<ISkuGrain>(sku);
        var availabilityTask = view.GetAvailability();
        var here = fulfillment.StoreId is { } storeId ? await stores.Get(storeId) : null;
        var origin = here ?? (await stores.Shipping()).FirstOrDefault();
        var nearest = origin is null ? [] : await view.Nearest(origin.Latitude, origin.Longitude, quantity, 3);
        var availability = await availabilityTask;
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
        var store = await stores.Get(fulfillment.StoreId);
        return store switch
        {
            null => UserError.NotFound("fulfillment.storeId", $"no store '{fulfillment.StoreId}'"),
            { PickupEnabled: false } => UserError.InvalidArgument("fulfillment.storeId", $"{store.Name} does not offer pickup"),
            _ => null,
        };
    }

    // ------------------------------------------------------------------ state

    private CartResult Fail(UserError error)
    {
        // A change refused after its units were claimed gives the claim back. (One that throws
        // instead leaves the claim until the cart's next commit or failure reports what it holds.)
        ReportToClient();
        return CartResult.Fail(_ledger.View(), error);
    }

    /// <summary>
    /// Before an anonymous cart holds more: claims its new total (line <paramref name="lineId"/>,
    /// null for a new one, at <paramref name="quantity"/>) against its client's cap over all the
    /// client's anonymous carts. Null when granted (or not capped); the refusal otherwise.
    /// </summary>
    private async Task<UserError?> ClaimForClient(ChangeContext context, string? lineId, int quantity)
    {
        var max = options.Value.MaxAnonymousUnitsPerClient;
        if (_ledger.CustomerId is not null || context.Client is not { } client || max <= 0)
        {
            return null;
        }
        var units = _ledger.HeldUnitsWith(lineId, quantity);
        if (client == _client && units <= _counted)
        {
            return null;
        }
        if (_client is not null && _client != client)
        {
            // Used from another address now: the old one no longer answers for this cart.
            GrainFactory.Ref<IClientHoldsGrain>(_client).Report(Id, 0, clock.GetUtcNow()).Ignore();
        }
        _counted = client == _client ? _counted : 0;
        _client = client;
        if (await GrainFactory.Ref<IClientHoldsGrain>(client).Claim(Id, units, clock.GetUtcNow() + options.Value.MaxHoldLifetime) is { } others)
        {
            return UserError.InvalidArgument("quantity",
                $"anonymous carts from one client hold at most {max} units together; this client's other carts hold {others}; sign in for more");
        }
        _counted = units;
        return null;
    }

    /// <summary>Tells the client's count when this cart holds fewer units than it was last told.</summary>
    private void ReportToClient()
    {
        if (_client is null)
        {
            return;
        }
        var units = _ledger.HeldUnits;
        if (units < _counted)
        {
            _counted = units;
            GrainFactory.Ref<IClientHoldsGrain>(_client).Report(Id, units, clock.GetUtcNow() + options.Value.MaxHoldLifetime).Ignore();
        }
    }

    private CheckoutResult CheckoutFail(UserError error) => new(null, _ledger.Opened ? _ledger.View() : null, [error]);

    /// <summary>
    /// Seals what changed into the next version, waits until the journal has it, then publishes:
    /// nothing is acknowledged before it is durable. A failed write leaves memory ahead of the
    /// journal, so this activation stops taking calls and the next one reloads the truth.
    /// </summary>
    private async Task Commit(Channel? channel)
    {
        var now = clock.GetUtcNow();
        _ledger.MarkLapsed(now);
        if (_ledger.TakeCommit(now, channel) is not { } commit)
        {
            return;
        }
        try
        {
            // Nobody's cart, never checked out: the sweeper may delete it once nobody came back for it.
            await _journal.Append(commit, _ledger.ToSnapshot, anonymous: _ledger is { CustomerId: null, CheckedOut: false, CheckoutInDoubt: null });
        }
        catch (Exception e)
        {
            _broken = true;
            DeactivateOnIdle();
            LogCommitFailed(logger, e, Id, _ledger.Version);
            throw new JournalUnavailableException($"cart {Id} could not store its change; retry", e);
        }
        ReportToClient();
        var view = _ledger.View();
        await _observers.Notify(o => o.CartChanged(view));
        ScheduleLapseCheck();
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new JournalUnavailableException($"cart {Id} is reloading after a failed write; retry");
        }
    }

    /// <summary>A timer at the earliest hold's end shows the lapse on the line (and tells subscribers).</summary>
    private void ScheduleLapseCheck()
    {
        var due = _ledger.NextLapse;
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
        if (!_broken)
        {
            await RefreshLapses();
        }
        ScheduleLapseCheck();
    }

    public async Task<CartView?> RefreshHolds()
    {
        ThrowIfBroken();
        await RefreshLapses();
        return _ledger.Opened ? _ledger.View() : null;
    }

    /// <summary>Records lapsed holds as a change of the cart, so subscribers hear of them.</summary>
    private async Task RefreshLapses()
    {
        if (_ledger is { Opened: true, CheckedOut: false, MergedInto: null } && _ledger.MarkLapsed(clock.GetUtcNow()))
        {
            await Commit(null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cart {CartId}: releasing hold {ReservationId} was refused: {Reason}")]
    private static partial void LogReleaseRefused(ILogger logger, Guid cartId, string reservationId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cart {CartId}: the commit of version {Version} was not stored; reloading")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, Guid cartId, long version);
}

/// <summary>
/// A cart as earlier versions stored it whole in Orleans' grain storage (state name "cart"),
/// read once by <see cref="LegacyGrainState"/> when such a cart is first used after an upgrade.
/// </summary>
public sealed class CartStateV1
{
    public bool Opened { get; set; }
    public string? CustomerId { get; set; }
    public long Version { get; set; }
    public List<CartLine> Lines { get; set; } = [];
    public string Currency { get; set; } = "EUR";
    public bool CheckedOut { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Channel? LastChangedBy { get; set; }
    public Guid? MergedInto { get; set; }
    public Guid? OrderId { get; set; }
    public int NextLine { get; set; }
    public HashSet<Guid> AbsorbedFrom { get; set; } = [];
    public Dictionary<string, Guid> Checkouts { get; set; } = [];

    /// <summary>
    /// A checkout recorded without the cart being marked checked out was in doubt; the order
    /// decides it on the first call.
    /// </summary>
    public CartSnapshot ToSnapshot()
    {
        var inDoubt = CheckedOut ? null : Checkouts.Select(c => (KeyValuePair<string, Guid>?)c).FirstOrDefault();
        var settled = Checkouts.Where(c => CheckedOut && c.Value == OrderId).ToDictionary(c => c.Key, c => c.Value);
        return new CartSnapshot(Opened, CustomerId, Currency, Version, UpdatedAt, LastChangedBy, CheckedOut, OrderId, MergedInto,
            NextLine, Lines, [.. AbsorbedFrom], settled, inDoubt?.Key, inDoubt?.Value);
    }
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
    /// <summary>
    /// The longest one hold may last from when it was taken, renewals included: activity renews a
    /// hold, but not past this, so a script touching its cart forever cannot keep stock forever.
    /// </summary>
    public TimeSpan MaxHoldLifetime { get; set; } = TimeSpan.FromHours(2);
    /// <summary>The most units an anonymous cart (so an anonymous session) may have in its lines.</summary>
    public int MaxAnonymousUnits { get; set; } = 200;
    /// <summary>
    /// The most units one client (the API's rate-limit key: an address, for anonymous callers) may
    /// hold over all its anonymous carts together (<see cref="ClientHoldsGrain"/>); 0 turns the cap off.
    /// Shoppers behind one NAT share it, hence a default well above one shopper's needs.
    /// </summary>
    public int MaxAnonymousUnitsPerClient { get; set; } = 2000;
    /// <summary>An anonymous cart or session nobody wrote to for this long is deleted (with its journal).</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromDays(7);
    /// <summary>How often each silo looks for abandoned anonymous carts and sessions and for expired movement ids.</summary>
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromMinutes(10);
}
