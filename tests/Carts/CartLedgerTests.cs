using Omni.Carts;

namespace Omni.Tests.Carts;

/// <summary>
/// The questions <see cref="CartLedger"/> answers for the cart grain (who may use the cart, why
/// it refuses a change, which line a quantity adds to, what a line may hold, when the next hold
/// lapses) and its guards, with exact values. <see cref="CartLedgerModelTests"/> covers the
/// sequences; these pin the edges a random sequence rarely hits.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class CartLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid CartId = Guid.Parse("6f1c2a0e-0000-4000-8000-000000000003");
    private static readonly Guid OrderId = Guid.Parse("0a0b0c0d-0000-4000-8000-000000000003");

    private static CartLedger Open(string? customer = "c1")
    {
        var ledger = new CartLedger(CartId);
        ledger.Open(customer, "USD");
        ledger.TakeCommit(Now, Channel.WEB);
        return ledger;
    }

    private static CartLine Line(string id, string sku = "SKU-1", FulfillmentKind kind = FulfillmentKind.SHIP, string? store = "w1",
        int quantity = 1, DateTimeOffset? until = null, string? reservation = "r") =>
        new(id, sku, quantity, kind, store, reservation is null ? null : $"{reservation}-{id}", until ?? Now.AddMinutes(15), 2.5m, "USD");

    [Fact]
    public void A_cart_never_opened_is_not_found_and_opening_twice_writes_once()
    {
        var ledger = new CartLedger(CartId);
        Assert.Equal(new UserError(ErrorCode.NOT_FOUND, $"no cart {CartId}", "cartId"), ledger.Refusal(null));
        Assert.Equal("EUR", ledger.Currency);

        ledger.Open("c1", "USD");
        ledger.Open("c2", "EUR");
        var commit = ledger.TakeCommit(Now, Channel.APP)!;

        Assert.Equal(new CartOpened("c1", "USD"), Assert.Single(commit.Events));
        Assert.Equal(("c1", "USD", 1L, Now, (Channel?)Channel.APP), (ledger.CustomerId, ledger.Currency, ledger.Version, ledger.UpdatedAt, ledger.LastChangedBy));
        Assert.Null(ledger.Refusal(null));
        Assert.Null(ledger.Refusal(1));
        Assert.Null(ledger.TakeCommit(Now, Channel.WEB));
        Assert.Equal("cart:6f1c2a0e000040008000000000000003", ledger.HoldOwner);
    }

    [Fact]
    public void Refusals_name_the_reason_in_order_checked_out_then_merged_then_stale()
    {
        var stale = Open();
        Assert.Equal(new UserError(ErrorCode.VERSION_CONFLICT, "the cart is at version 1, not 0: reload it and try again", "expectedVersion"), stale.Refusal(0));

        var merged = Open();
        var target = Guid.Parse("00000000-0000-4000-8000-0000000000aa");
        merged.MergeAway(target);
        merged.TakeCommit(Now, null);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, $"cart {CartId} was merged into cart {target}", "cartId"), merged.Refusal(0));

        var checkedOut = Open();
        checkedOut.StartCheckout("k", OrderId);
        checkedOut.CompleteCheckout("k", OrderId);
        checkedOut.TakeCommit(Now, null);
        Assert.Equal(new UserError(ErrorCode.ALREADY_CHECKED_OUT, $"cart {CartId} was checked out into order {OrderId}", "cartId"), checkedOut.Refusal(0));
        Assert.True(checkedOut.TryGetCheckout("k", out var order));
        Assert.Equal(OrderId, order);
        Assert.False(checkedOut.TryGetCheckout("other", out _));
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData("c1", false, true)]
    [InlineData("c2", false, false)]
    [InlineData("c2", true, true)]
    [InlineData(null, true, true)]
    public void A_customers_cart_is_used_by_that_customer_ops_and_the_cluster_only(string? customer, bool ops, bool may)
    {
        Assert.Equal(may, Open("c1").MayBeUsedBy(new Actor(customer, ops)));
        Assert.True(Open("c1").MayBeUsedBy(null));
        Assert.True(Open(customer: null).MayBeUsedBy(new Actor(customer, ops)));
    }

    [Theory]
    [InlineData(0, false, "quantity", "a line holds between 1 and 999 units, not 0")]
    [InlineData(1000, false, "quantity", "a line holds between 1 and 999 units, not 1000")]
    [InlineData(1, false, null, null)]
    [InlineData(999, false, null, null)]
    [InlineData(999, true, null, null)]
    public void A_line_holds_one_to_999_units(int quantity, bool newLine, string? field, string? message)
    {
        var refused = Open().CheckQuantity(quantity, newLine);
        Assert.Equal(field is null ? null : new UserError(ErrorCode.INVALID_ARGUMENT, message!, field), refused);
    }

    [Fact]
    public void A_full_cart_refuses_a_new_line_but_not_a_change_to_one_it_has()
    {
        var ledger = Open();
        for (var i = 1; i < Limits.MaxLinesPerCart; i++)
        {
            ledger.Put(Line($"L{i}", sku: $"SKU-{i}"));
        }
        Assert.Null(ledger.CheckQuantity(1, newLine: true));
        ledger.Put(Line($"L{Limits.MaxLinesPerCart}", sku: "SKU-last"));

        Assert.Equal(new UserError(ErrorCode.INVALID_ARGUMENT, "a cart holds at most 100 lines", "sku"), ledger.CheckQuantity(1, newLine: true));
        Assert.Null(ledger.CheckQuantity(1, newLine: false));
        Assert.Equal("a cart holds at most 100 lines", Assert.Throws<InvalidOperationException>(() => ledger.Put(Line("L101", sku: "SKU-extra"))).Message);
        ledger.Put(Line("L7", sku: "SKU-7", quantity: 5));
        Assert.Equal(5, ledger.Line("L7")!.Quantity);
        Assert.Equal(Limits.MaxLinesPerCart, ledger.Lines.Count);
        Assert.Equal("L101", ledger.NewLineId());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void Putting_a_line_outside_1_to_999_units_is_a_bug_in_the_caller(int quantity)
    {
        var ledger = Open();
        Assert.StartsWith("a line holds 1 to MaxUnitsPerLine units", Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Put(Line("L1", quantity: quantity))).Message, StringComparison.Ordinal);
        Assert.False(ledger.HasPending);
        ledger.Put(Line("L1", quantity: Limits.MaxUnitsPerLine));
        Assert.Equal(999, ledger.Line("L1")!.Quantity);
    }

    [Fact]
    public void A_shipped_sku_has_one_line_and_a_pickup_sku_one_line_per_store()
    {
        var ledger = Open();
        ledger.Put(Line("L1", sku: "A", kind: FulfillmentKind.SHIP, store: "w1"));
        ledger.Put(Line("L2", sku: "A", kind: FulfillmentKind.PICKUP, store: "s1"));
        ledger.Put(Line("L3", sku: "A", kind: FulfillmentKind.PICKUP, store: "s2"));

        Assert.Equal("L1", ledger.LineFor("A", FulfillmentKind.SHIP, "w9")?.Id);
        Assert.Equal("L2", ledger.LineFor("A", FulfillmentKind.PICKUP, "s1")?.Id);
        Assert.Equal("L3", ledger.LineFor("A", FulfillmentKind.PICKUP, "s2")?.Id);
        Assert.Null(ledger.LineFor("A", FulfillmentKind.PICKUP, "s3"));
        Assert.Null(ledger.LineFor("B", FulfillmentKind.SHIP, "w1"));
        Assert.Null(ledger.Line("L9"));
        Assert.Equal("L4", ledger.NewLineId());
    }

    [Fact]
    public void A_line_id_that_is_not_a_number_does_not_move_the_line_counter()
    {
        var ledger = Open();
        ledger.Put(Line("L5"));
        ledger.Put(Line("Lx"));
        ledger.Put(Line("L2"));

        Assert.Equal((5, "L6"), (ledger.NextLine, ledger.NewLineId()));
        Assert.Equal(3, ledger.Lines.Count);
        var reservation = ledger.NewReservationId("L6");
        Assert.StartsWith("c6f1c2a0e000040008000000000000003-L6-", reservation, StringComparison.Ordinal);
        Assert.Equal(1 + 32 + 4 + 8, reservation.Length);
        Assert.NotEqual(reservation, ledger.NewReservationId("L6"));
    }

    [Fact]
    public void A_hold_is_held_until_its_time_and_the_next_lapse_is_the_earliest_held_line()
    {
        var ledger = Open();
        ledger.Put(Line("L1", until: Now.AddMinutes(10)));
        ledger.Put(Line("L2", until: Now.AddMinutes(5)));
        ledger.Put(Line("L3", until: Now.AddMinutes(1), reservation: null));

        Assert.True(ledger.IsHeld(ledger.Line("L2")!, Now.AddMinutes(5).AddTicks(-1)));
        Assert.False(ledger.IsHeld(ledger.Line("L2")!, Now.AddMinutes(5)));
        Assert.False(ledger.IsHeld(ledger.Line("L3")!, Now));
        Assert.Equal(Now.AddMinutes(5), ledger.NextLapse);

        Assert.False(ledger.MarkLapsed(Now.AddMinutes(5).AddTicks(-1)));
        Assert.True(ledger.MarkLapsed(Now.AddMinutes(5)));
        Assert.Null(ledger.Line("L2")!.ReservationId);
        Assert.Equal(Now.AddMinutes(10), ledger.NextLapse);
        Assert.False(ledger.MarkLapsed(Now.AddMinutes(5)));
        ledger.Remove("L9");
        var events = ledger.TakeCommit(Now, null)!.Events;
        Assert.Equal(4, events.Count);
        Assert.Equal(new HoldLapsed("L2"), events[3]);
    }

    [Fact]
    public void Nothing_lapses_once_a_checkout_began_and_a_second_checkout_waits_for_the_first()
    {
        var ledger = Open();
        ledger.Put(Line("L1", until: Now.AddMinutes(1)));
        ledger.StartCheckout("k1", OrderId);

        Assert.False(ledger.MarkLapsed(Now.AddHours(1)));
        Assert.Equal("a checkout is already in doubt: resolve it first", Assert.Throws<InvalidOperationException>(() => ledger.StartCheckout("k2", Guid.NewGuid())).Message);
        Assert.Equal(("k1", OrderId), ledger.CheckoutInDoubt);
        ledger.FailCheckout("k1", OrderId);
        Assert.Null(ledger.CheckoutInDoubt);
        Assert.False(ledger.CheckedOut);
        Assert.False(ledger.TryGetCheckout("k1", out _));
        Assert.True(ledger.MarkLapsed(Now.AddHours(1)));

        var merged = Open();
        merged.Put(Line("L1", until: Now.AddMinutes(1)));
        merged.MergeAway(Guid.NewGuid());
        Assert.False(merged.MarkLapsed(Now.AddHours(1)));
        Assert.Null(merged.NextLapse);
        Assert.Empty(merged.Lines);
    }

    [Fact]
    public void A_commit_without_a_channel_keeps_the_last_one_and_a_snapshot_keeps_a_checkout_in_doubt()
    {
        var ledger = Open();
        var absorbed = Guid.Parse("00000000-0000-4000-8000-0000000000bb");
        ledger.Absorb(absorbed);
        ledger.StartCheckout("k1", OrderId);
        ledger.TakeCommit(Now.AddMinutes(1), null);

        Assert.Equal((Channel?)Channel.WEB, ledger.LastChangedBy);
        Assert.Equal((2L, Now.AddMinutes(1)), (ledger.Version, ledger.UpdatedAt));
        ledger.Absorb(Guid.NewGuid());
        ledger.TakeCommit(Now.AddMinutes(2), Channel.POS);
        Assert.Equal((Channel?)Channel.POS, ledger.LastChangedBy);
        Assert.True(ledger.HasAbsorbed(absorbed));
        Assert.False(ledger.HasAbsorbed(CartId));

        var resumed = CartLedger.FromSnapshot(CartId, ledger.ToSnapshot());
        Assert.Equal(("k1", OrderId), resumed.CheckoutInDoubt);
        Assert.True(resumed.HasAbsorbed(absorbed));
        Assert.Equal((3L, (Channel?)Channel.POS, "USD", "c1"), (resumed.Version, resumed.LastChangedBy, resumed.Currency, resumed.CustomerId));
        Assert.True(resumed.Opened);
    }
}
