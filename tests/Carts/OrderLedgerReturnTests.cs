using Omni.Carts;
using Omni.Orders;

namespace Omni.Tests.Carts;

/// <summary>
/// The exact rules of returns and fulfillment moves in <see cref="OrderLedger"/>: every limit at
/// and past its boundary, every refusal with its code, field and message, and the inventory ids
/// a return and an undo use. (The model test checks the same rules by code; these pin the rest.)
/// </summary>
[Trait("Tier", "Unit")]
public sealed class OrderLedgerReturnTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid OrderId = Guid.Parse("0a0b0c0d-0000-4000-8000-000000000015");

    private static OrderLine Line(int i, int quantity) => new($"SKU-{i}", quantity, FulfillmentKind.SHIP, "w1", 2.5m + i, $"hold-{i}");

    /// <summary>An order of two shipped lines (3 × SKU-0, 1 × SKU-1), placed; shipped when asked.</summary>
    private static OrderLedger Placed(bool shipped)
    {
        var ledger = new OrderLedger(OrderId);
        Assert.Null(ledger.Place(Guid.NewGuid(), "c1", [Line(0, 3), Line(1, 1)], "EUR", Now));
        ledger.RecordCommitted([0, 1]);
        ledger.CompletePlacing();
        if (shipped)
        {
            Assert.Null(ledger.MarkShipped(ledger.View().Fulfillments.Single().Id));
        }
        Assert.NotNull(ledger.TakeCommit(Now));
        return ledger;
    }

    [Fact]
    public void A_return_checks_its_id_store_lines_and_quantities_exactly()
    {
        var ledger = Placed(shipped: true);
        ReturnRequestLine[] one = [new("SKU-0", 1)];

        Assert.Equal(UserError.InvalidArgument("returnId", "returnId must be 1 to 128 characters"), ledger.Return(" ", "s1", one, null));
        Assert.Equal(UserError.InvalidArgument("returnId", "returnId must be 1 to 128 characters"), ledger.Return(new string('r', 129), "s1", one, null));
        Assert.Equal(UserError.InvalidArgument("storeId", "a return is taken at a store"), ledger.Return("r1", " ", one, null));
        Assert.Equal(UserError.InvalidArgument("lines", "a return has 1 to 100 lines"), ledger.Return("r1", "s1", [], null));
        Assert.Equal(UserError.InvalidArgument("lines", "a return has 1 to 100 lines"),
            ledger.Return("r1", "s1", [.. Enumerable.Repeat(new ReturnRequestLine("SKU-0", 1), 101)], null));
        Assert.Equal(UserError.InvalidArgument("lines", "each returned quantity is 1 to 999"), ledger.Return("r1", "s1", [new("SKU-0", 0)], null));
        Assert.Equal(UserError.InvalidArgument("lines", "each returned quantity is 1 to 999"), ledger.Return("r1", "s1", [new("SKU-0", 1000)], null));
        Assert.Equal(UserError.InvalidArgument("lines", "SKU-9 is not on the order"), ledger.Return("r1", "s1", [new("SKU-9", 1)], null));
        Assert.Equal(new UserError(ErrorCode.RETURN_EXCEEDS_SOLD, "4 × SKU-0 returned, but only 3 more may be", "lines"),
            ledger.Return("r1", "s1", [new("SKU-0", 2), new("SKU-0", 2)], null));
        Assert.Null(ledger.TakeCommit(Now));

        // At the limits: a 128-character id, 100 request lines of one unit (more than sold is refused by count, not shape).
        Assert.Null(ledger.Return(new string('r', 128), "s1", [new("SKU-0", 1), new("SKU-1", 1)], "faulty"));
        Assert.Equal(new UserError(ErrorCode.RETURN_EXCEEDS_SOLD, "100 × SKU-0 returned, but only 2 more may be", "lines"),
            ledger.Return("r2", "s1", [.. Enumerable.Repeat(new ReturnRequestLine("SKU-0", 1), 100)], null));
        var returned = Assert.Single(ledger.View().Returns);
        Assert.Equal([new ReturnedLine("SKU-0", 1, 2.5m), new ReturnedLine("SKU-1", 1, 3.5m)], returned.Lines);
        Assert.Equal(6.0m, returned.Refund);
        Assert.Equal("faulty", returned.Reason);
    }

    [Fact]
    public void Only_units_handed_over_of_a_placed_order_come_back_and_never_more_than_sold()
    {
        var placing = new OrderLedger(OrderId);
        Assert.Null(placing.Place(Guid.NewGuid(), "c1", [Line(0, 3)], "EUR", Now));
        Assert.Equal(UserError.InvalidState("orderId", "only units of a placed order that were collected or shipped can be returned"),
            placing.Return("r1", "s1", [new("SKU-0", 1)], null));
        Assert.Equal(UserError.NotFound("orderId", $"no order {OrderId}"), new OrderLedger(OrderId).Return("r1", "s1", [new("SKU-0", 1)], null));

        var open = Placed(shipped: false);
        Assert.Equal(UserError.InvalidState("lines", "SKU-0 was not collected or shipped: it cannot be returned"),
            open.Return("r1", "s1", [new("SKU-0", 1)], null));

        var shipped = Placed(shipped: true);
        Assert.Null(shipped.Return("r1", "s2", [new("SKU-0", 2)], null));
        Assert.Null(shipped.Return("r1", "s2", [new("SKU-0", 2)], null)); // the same return again: nothing more
        Assert.Null(shipped.Return("r2", "s3", [new("SKU-0", 1)], null));
        Assert.Equal(new UserError(ErrorCode.RETURN_EXCEEDS_SOLD, "1 × SKU-0 returned, but only 0 more may be", "lines"),
            shipped.Return("r3", "s3", [new("SKU-0", 1)], null));
        Assert.Equal([2, 1], shipped.View().Returns.Select(r => r.Lines.Single().Quantity));
        Assert.Equal(7.5m, shipped.View().Returns.Sum(r => r.Refund));
    }

    [Fact]
    public void Inventory_ids_of_an_undo_and_a_return_are_derived_from_the_order_and_the_return()
    {
        var ledger = Placed(shipped: true);
        var order = OrderId.ToString("N");

        Assert.Equal($"order-{order}-1-back", ledger.BackMovement(1));
        Assert.Equal($"return-{order}-0-R-1", ledger.ReturnMovement("R-1", 0));
        Assert.Equal($"return-{order}-0-{new string('x', 48)}", ledger.ReturnMovement(new string('x', 48), 0));
        // Longer than 48 or not plain printable ASCII: a hash of the id, the same on every retry.
        var hashed = ledger.ReturnMovement(new string('x', 49), 0);
        Assert.Equal($"return-{order}-0-".Length + 32, hashed.Length);
        Assert.NotEqual($"return-{order}-0-{new string('x', 49)}", hashed);
        Assert.Equal(hashed, ledger.ReturnMovement(new string('x', 49), 0));
        Assert.NotEqual($"return-{order}-0-a b", ledger.ReturnMovement("a b", 0));
        Assert.NotEqual($"return-{order}-0-é", ledger.ReturnMovement("é", 0));
        Assert.Equal($"return-{order}-0-!~", ledger.ReturnMovement("!~", 0));
    }

    [Fact]
    public void A_fulfillment_moves_only_forward_and_each_refusal_says_why()
    {
        var ledger = Placed(shipped: false);
        var id = ledger.View().Fulfillments.Single().Id;

        Assert.Equal(UserError.NotFound("fulfillmentId", "the order has no fulfillment 'f9'"), ledger.MarkShipped("f9"));
        Assert.Equal(UserError.InvalidState("fulfillmentId", $"a SHIP fulfillment that is OPEN cannot become READY_FOR_PICKUP"),
            ledger.MarkReadyForPickup(id, Now, TimeSpan.FromDays(7)));
        Assert.Equal(UserError.InvalidState("fulfillmentId", $"a SHIP fulfillment that is OPEN cannot become PICKED_UP"), ledger.ConfirmPickup(id));
        Assert.Null(ledger.TakeCommit(Now));
        Assert.Null(ledger.MarkShipped(id));
        Assert.Null(ledger.MarkShipped(id));
        Assert.Single(ledger.TakeCommit(Now)!.Events);
        Assert.Equal(OrderStatus.COMPLETED, ledger.View().Status);
        Assert.Equal(UserError.NotFound("orderId", $"no order {OrderId}"), new OrderLedger(OrderId).MarkShipped(id));
    }
}
