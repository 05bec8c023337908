using Omni.Inventory;

namespace Omni.Tests.Inventory;

/// <summary>
/// <see cref="StockLedger"/>'s refusals and idempotency at their edges, with the exact code,
/// field and message a caller sees: each limit at and one past its boundary, each id reused for
/// other terms, each way a hold can have ended. <see cref="StockLedgerModelTests"/> covers random
/// sequences; these pin what a random sequence rarely hits (and what mutation testing showed
/// it let through).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class StockLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(15);

    private static StockLedger Stocked(int onHand = 10)
    {
        var ledger = new StockLedger("s1", "SKU-1");
        Assert.True(ledger.Receive("opening", onHand, Now).Succeeded);
        return ledger;
    }

    private static UserError Invalid(string field, string message) => new(ErrorCode.INVALID_ARGUMENT, message, field);

    [Fact]
    public void Every_id_is_1_to_128_characters()
    {
        var ledger = Stocked();
        var longest = new string('x', Limits.MaxIdLength);

        Assert.True(ledger.Receive(longest, 1, Now).Succeeded);
        Assert.Equal(Invalid("movementId", "movementId must be 1 to 128 printable characters (no control characters, no unpaired surrogates)"), ledger.Receive(longest + "x", 1, Now).Error);
        Assert.Equal(Invalid("movementId", "movementId must be 1 to 128 printable characters (no control characters, no unpaired surrogates)"), ledger.Receive(" ", 1, Now).Error);
        Assert.Equal(Invalid("saleId", "saleId must be 1 to 128 printable characters (no control characters, no unpaired surrogates)"), ledger.RecordSale("", 1, Now).Error);
        Assert.Equal(Invalid("reservationId", "reservationId must be 1 to 128 printable characters (no control characters, no unpaired surrogates)"), ledger.AdjustReservation("op", "", 1, Hold, Now).Error);
        Assert.Equal(Invalid("reservationId", "reservationId must be 1 to 128 printable characters (no control characters, no unpaired surrogates)"), ledger.Release("", Now).Error);
        Assert.Equal(Invalid("reservationId", "reservationId must be 1 to 128 printable characters (no control characters, no unpaired surrogates)"), ledger.Commit(longest + "x", Now).Error);
        Assert.Equal((11, 2L), (ledger.OnHand, ledger.Version));
    }

    [Fact]
    public void Quantities_on_hand_and_safety_stock_stay_within_their_limits()
    {
        var ledger = new StockLedger("s1", "SKU-1");

        Assert.Equal(Invalid("quantity", "quantity must be between 1 and 1000000, not 0"), ledger.Receive("m0", 0, Now).Error);
        Assert.Equal(Invalid("quantity", "quantity must be between 1 and 1000000, not 1000001"), ledger.Receive("m1", Limits.MaxMovementQuantity + 1, Now).Error);
        Assert.True(ledger.Receive("m2", Limits.MaxMovementQuantity, Now).Succeeded);
        Assert.Equal(Invalid("onHand", "onHand must be between 0 and 100000000, not -1"), ledger.SetCount("c0", -1, Now).Error);
        Assert.Equal(Invalid("onHand", "onHand must be between 0 and 100000000, not 100000001"), ledger.SetCount("c1", Limits.MaxOnHand + 1, Now).Error);
        Assert.True(ledger.SetCount("c2", Limits.MaxOnHand, Now).Succeeded);
        Assert.Equal(Invalid("quantity", "on-hand would exceed 100000000"), ledger.Receive("m3", 1, Now).Error);
        Assert.Equal(Invalid("quantity", "on-hand would exceed 100000000"), ledger.RecordReturn("r1", 1, Now).Error);
        Assert.True(ledger.SetCount("c3", Limits.MaxOnHand - 2, Now).Succeeded);
        Assert.True(ledger.Receive("m4", 1, Now).Succeeded);
        Assert.True(ledger.RecordReturn("r2", 1, Now).Succeeded);
        Assert.Equal(Limits.MaxOnHand, ledger.OnHand);
        Assert.Equal(Invalid("safetyStock", "safetyStock must be between 0 and 100000000, not -1"), ledger.SetSafetyStock("f0", -1, Now).Error);
        Assert.Equal(Invalid("safetyStock", "safetyStock must be between 0 and 100000000, not 100000001"), ledger.SetSafetyStock("f1", Limits.MaxOnHand + 1, Now).Error);
        Assert.True(ledger.SetSafetyStock("f2", Limits.MaxOnHand, Now).Succeeded);
        Assert.Equal((Limits.MaxOnHand, 0), (ledger.SafetyStock, ledger.Available));
    }

    [Fact]
    public void A_hold_lasts_1_second_to_7_days_and_its_owner_is_at_most_128_characters()
    {
        var ledger = Stocked();
        var hold = Invalid("ttlSeconds", "a hold lasts between 1 seconds and 7 days");

        Assert.Equal(hold, ledger.Reserve("h0", 1, Limits.MinHold - TimeSpan.FromTicks(1), null, Now).Error);
        Assert.Equal(hold, ledger.Reserve("h1", 1, Limits.MaxHold + TimeSpan.FromTicks(1), null, Now).Error);
        Assert.True(ledger.Reserve("h2", 1, Limits.MinHold, null, Now).Succeeded);
        Assert.True(ledger.Reserve("h3", 1, Limits.MaxHold, new string('o', Limits.MaxIdLength), Now).Succeeded);
        Assert.Equal(Invalid("owner", "owner must be at most 128 printable characters"), ledger.Reserve("h4", 1, Hold, new string('o', Limits.MaxIdLength + 1), Now).Error);
        Assert.Equal(hold, ledger.AdjustReservation("a1", "h3", 1, Limits.MaxHold + TimeSpan.FromTicks(1), Now).Error);
        Assert.Equal(Now + Limits.MaxHold, ledger.FindReservation("h3")!.ExpiresAt);
        Assert.Equal((2, 8), (ledger.Reserved, ledger.Available));
    }

    [Fact]
    public void Insufficient_stock_names_what_is_available_and_what_was_asked()
    {
        var ledger = Stocked(5);

        Assert.True(ledger.Reserve("h1", 5, Hold, "till", Now).Succeeded);
        Assert.Equal(new UserError(ErrorCode.INSUFFICIENT_STOCK, "only 0 available at s1 for SKU-1, 1 asked", "quantity"), ledger.RecordSale("sale", 1, Now).Error);
        Assert.True(ledger.AdjustReservation("a1", "h1", 2, Hold, Now).Succeeded);
        Assert.Equal(new UserError(ErrorCode.INSUFFICIENT_STOCK, "only 3 available at s1 for SKU-1, 4 asked", "quantity"), ledger.AdjustReservation("a2", "h1", 6, Hold, Now).Error);
        Assert.True(ledger.AdjustReservation("a3", "h1", 5, Hold, Now).Succeeded);
        Assert.Equal((5, 0), (ledger.Reserved, ledger.Available));
    }

    [Fact]
    public void An_id_reused_for_other_terms_is_a_conflict_naming_the_id()
    {
        var ledger = Stocked();
        Assert.True(ledger.Receive("m", 1, Now).Succeeded);
        Assert.True(ledger.SetCount("c", 20, Now).Succeeded);
        Assert.True(ledger.SetSafetyStock("f", 1, Now).Succeeded);
        Assert.True(ledger.RecordSale("s", 1, Now).Succeeded);
        Assert.True(ledger.RecordReturn("r", 1, Now).Succeeded);
        Assert.True(ledger.Reserve("h", 2, Hold, "a", Now).Succeeded);
        Assert.True(ledger.AdjustReservation("adj", "h", 3, Hold, Now).Succeeded);
        Assert.True(ledger.Reserve("h2", 1, Hold, "a", Now).Succeeded);
        Assert.True(ledger.Release("h2", Now).Succeeded);
        var version = ledger.Version;

        Assert.Equal(Conflict("movementId", "movementId 'm' was already used for a different operation"), ledger.Receive("m", 2, Now).Error);
        Assert.Equal(Conflict("movementId", "movementId 'c' was already used for a different operation"), ledger.SetCount("c", 21, Now).Error);
        Assert.Equal(Conflict("movementId", "movementId 'f' was already used for a different operation"), ledger.SetSafetyStock("f", 2, Now).Error);
        Assert.Equal(Conflict("saleId", "saleId 's' was already used for a different operation"), ledger.RecordSale("s", 2, Now).Error);
        Assert.Equal(Conflict("returnId", "returnId 'r' was already used for a different operation"), ledger.RecordReturn("r", 2, Now).Error);
        Assert.Equal(Conflict("reservationId", "reservationId 'h' was already used for a different operation"), ledger.Reserve("h", 2, Hold, "b", Now).Error);
        Assert.Equal(Conflict("operationId", "operationId 'adj' was already used for a different operation"), ledger.AdjustReservation("adj", "h", 4, Hold, Now).Error);
        Assert.Equal(Conflict("operationId", "operationId 'adj' was already used for a different operation"), ledger.AdjustReservation("adj", "h2", 3, Hold, Now).Error);
        // The same terms again are the first outcome, not a second change.
        Assert.True(ledger.Receive("m", 1, Now).Succeeded);
        Assert.True(ledger.AdjustReservation("adj", "h", 3, Hold, Now).Succeeded);
        Assert.True(ledger.Release("h2", Now).Succeeded);
        Assert.True(ledger.Reserve("h", 2, Hold, "a", Now).Succeeded);
        Assert.Equal(version, ledger.Version);
        Assert.Equal((20, 3, 1, 16), (ledger.OnHand, ledger.Reserved, ledger.SafetyStock, ledger.Available));
    }

    private static UserError Conflict(string field, string message) => new(ErrorCode.CONFLICT, message, field);

    [Fact]
    public void A_hold_whose_first_outcome_was_forgotten_is_judged_by_the_hold_itself()
    {
        var ledger = new StockLedger("s1", "SKU-1", new LedgerRetention(TimeSpan.FromMinutes(1), 1000));
        Assert.True(ledger.Receive("opening", 10, Now).Succeeded);
        Assert.True(ledger.Reserve("h", 2, TimeSpan.FromHours(1), "a", Now).Succeeded);
        var later = Now.AddMinutes(30);
        // Pruning runs as the next change is made.
        Assert.True(ledger.RecordSale("s", 1, later).Succeeded);

        Assert.True(ledger.Reserve("h", 2, TimeSpan.FromHours(1), "a", later).Succeeded);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation h already exists with other terms", "reservationId"), ledger.Reserve("h", 3, Hold, "a", later).Error);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation h already exists with other terms", "reservationId"), ledger.Reserve("h", 2, Hold, "b", later).Error);
        Assert.Equal((2, 7), (ledger.Reserved, ledger.Available));
    }

    [Fact]
    public void Every_command_lets_due_holds_go_before_it_judges()
    {
        var ledger = Stocked(5);
        Assert.True(ledger.Reserve("short", 4, TimeSpan.FromSeconds(30), "a", Now).Succeeded);
        var later = Now.AddMinutes(1);

        // No ExpireDue call in between: the sale itself must find the lapsed units available.
        var sold = ledger.RecordSale("sale", 5, later);

        Assert.True(sold.Succeeded, sold.Error?.Message);
        Assert.Equal((0, 0, 0), (ledger.OnHand, ledger.Reserved, ledger.Available));
        Assert.Null(ledger.FindReservation("short"));
    }

    [Fact]
    public void A_hold_that_ended_says_how()
    {
        var ledger = Stocked();
        Assert.True(ledger.Reserve("lapsed", 1, TimeSpan.FromSeconds(30), "a", Now).Succeeded);
        Assert.True(ledger.Reserve("committed", 1, Hold, "a", Now).Succeeded);
        Assert.True(ledger.Reserve("released", 1, Hold, "a", Now).Succeeded);
        Assert.True(ledger.Commit("committed", Now, "a", "order:1").Succeeded);
        Assert.True(ledger.Release("released", Now).Succeeded);
        var later = Now.AddMinutes(1);
        Assert.Equal(1, ledger.ExpireDue(later));

        Assert.Equal(new UserError(ErrorCode.RESERVATION_EXPIRED, "reservation lapsed lapsed and its units went back to stock", "reservationId"), ledger.Commit("lapsed", later).Error);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation released was released", "reservationId"), ledger.Commit("released", later).Error);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation committed was already committed", "reservationId"), ledger.Release("committed", later).Error);
        Assert.Equal(new UserError(ErrorCode.NOT_FOUND, "no reservation never at s1 for SKU-1", "reservationId"), ledger.Commit("never", later).Error);
        Assert.Equal(new UserError(ErrorCode.NOT_FOUND, "no reservation never at s1 for SKU-1", "reservationId"), ledger.AdjustReservation("a", "never", 1, Hold, later).Error);
        // Releasing a hold that lapsed has nothing left to do, and succeeds.
        Assert.True(ledger.Release("lapsed", later).Succeeded);
        Assert.Equal((9, 0, 9), (ledger.OnHand, ledger.Reserved, ledger.Available));
    }

    [Fact]
    public void A_hold_is_committed_only_for_its_owner_only_while_its_units_are_there_and_only_for_one_sale()
    {
        var ledger = Stocked(5);
        Assert.True(ledger.Reserve("h", 3, Hold, "cart:1", Now).Succeeded);

        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation h belongs to another owner", "reservationId"), ledger.Commit("h", Now, "cart:2", "order:2").Error);
        Assert.True(ledger.SetCount("count", 2, Now).Succeeded);
        Assert.Equal(new UserError(ErrorCode.INSUFFICIENT_STOCK, "only 2 on hand, the reservation holds 3", "reservationId"), ledger.Commit("h", Now, "cart:1", "order:1").Error);
        Assert.True(ledger.SetCount("recount", 5, Now).Succeeded);
        var committed = ledger.Commit("h", Now, "cart:1", "order:1");
        Assert.True(committed.Succeeded);

        Assert.Equal(committed, ledger.Commit("h", Now, "cart:1", "order:1"));
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation h was already committed for another sale", "reservationId"), ledger.Commit("h", Now, "cart:1", "order:2").Error);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation h was already committed for another sale", "reservationId"), ledger.Commit("h", Now, "cart:1").Error);
        Assert.Equal((2, 0), (ledger.OnHand, ledger.Reserved));

        var anonymous = Stocked(5);
        Assert.True(anonymous.Reserve("h", 1, Hold, null, Now).Succeeded);
        Assert.True(anonymous.Commit("h", Now).Succeeded);
        Assert.True(anonymous.Commit("h", Now).Succeeded);
        Assert.Equal(new UserError(ErrorCode.CONFLICT, "reservation h was already committed for another sale", "reservationId"), anonymous.Commit("h", Now, null, "order:1").Error);
    }

    [Fact]
    public void Every_event_moves_the_version_by_one_and_replays_to_the_same_level_and_holds_in_id_order()
    {
        var ledger = Stocked();
        Assert.True(ledger.Reserve("b", 1, Hold, null, Now).Succeeded);
        Assert.True(ledger.Reserve("a", 1, Hold, null, Now).Succeeded);
        Assert.True(ledger.Reserve("c", 1, Hold, null, Now).Succeeded);
        var events = ledger.TakePending();

        var replayed = new StockLedger("s1", "SKU-1");
        foreach (var e in events)
        {
            replayed.Apply(e);
        }

        Assert.Equal(4, events.Count);
        Assert.Equal((4L, 4L), (ledger.Version, replayed.Version));
        Assert.Equal(ledger.Level, replayed.Level);
        Assert.Equal(["a", "b", "c"], ledger.ToSnapshot().Holds.Select(h => h.Id));
        Assert.Equal(["a", "b", "c"], StockLedger.FromSnapshot("s1", "SKU-1", ledger.ToSnapshot()).ToSnapshot().Holds.Select(h => h.Id));
    }
}
