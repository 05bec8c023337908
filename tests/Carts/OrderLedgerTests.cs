using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Omni.Carts;
using Omni.Orders;

namespace Omni.Tests.Carts;

/// <summary>
/// The checkout saga's rules in <see cref="OrderLedger"/>, without Orleans: what a placement
/// refuses, which step each command may move to, that each hold is committed once, and that the
/// commits (and a snapshot) rebuild the same order. A model-based property drives random saga
/// sequences against a plain model of the state machine.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class OrderLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid OrderId = Guid.Parse("0a0b0c0d-0000-4000-8000-000000000017");
    private static readonly Guid CartId = Guid.Parse("6f1c2a0e-0000-4000-8000-000000000002");

    private static OrderLine Line(int i, int quantity = 1, string? reservation = null, string store = "w1") =>
        new($"SKU-{i}", quantity, FulfillmentKind.SHIP, store, 2.5m + i, reservation ?? $"hold-{i}");

    private static OrderLedger Placing(int lines, List<OrderCommit>? commits = null)
    {
        var ledger = new OrderLedger(OrderId);
        Assert.Null(ledger.Place(CartId, "c1", [.. Enumerable.Range(0, lines).Select(i => Line(i))], "USD", Now));
        var commit = ledger.TakeCommit(Now);
        Assert.NotNull(commit);
        commits?.Add(commit);
        return ledger;
    }

    [Fact]
    public void A_new_ledger_is_no_order_and_has_nothing_to_commit()
    {
        var ledger = new OrderLedger(OrderId);

        Assert.False(ledger.Exists);
        Assert.Equal((SagaStep.None, 0L), (ledger.Step, ledger.Version));
        Assert.Null(ledger.TakeCommit(Now));
        Assert.Equal("order:0a0b0c0d000040008000000000000017", ledger.Sale);
        Assert.Equal(new UserError(ErrorCode.NOT_FOUND, "no order 0a0b0c0d-0000-4000-8000-000000000017", "orderId"), ledger.StartCancelling(null));
        Assert.Null(ledger.TakeCommit(Now));
        Assert.Equal("EUR", ledger.Currency);
    }

    [Theory]
    [InlineData(0, 1, "hold", "w1", "an order needs at least one line")]
    [InlineData(1, 0, "hold", "w1", "every order line needs a hold at a location and a positive quantity")]
    [InlineData(1, -1, "hold", "w1", "every order line needs a hold at a location and a positive quantity")]
    [InlineData(1, 1, "", "w1", "every order line needs a hold at a location and a positive quantity")]
    [InlineData(1, 1, "hold", "", "every order line needs a hold at a location and a positive quantity")]
    public void A_placement_without_lines_or_with_a_line_lacking_a_hold_is_refused_and_writes_nothing(
        int lines, int quantity, string reservation, string store, string message)
    {
        var ledger = new OrderLedger(OrderId);
        OrderLine[] order = [Line(9), .. Enumerable.Range(0, lines).Select(i => Line(i, quantity, reservation, store))];

        var refused = ledger.Place(CartId, "c1", lines == 0 ? [] : order, "EUR", Now);

        Assert.Equal(new UserError(ErrorCode.INVALID_ARGUMENT, message, "lines"), refused);
        Assert.False(ledger.Exists);
        Assert.Null(ledger.TakeCommit(Now));
    }

    [Fact]
    public void Placing_records_the_order_first_and_a_second_place_changes_nothing()
    {
        var ledger = Placing(2);

        Assert.Equal((SagaStep.Placing, OrderStatus.PLACED, 1L), (ledger.Step, ledger.Status, ledger.Version));
        Assert.Equal((CartId, "c1", "USD", Now), (ledger.CartId, ledger.CustomerId, ledger.Currency, ledger.PlacedAt));
        Assert.Equal([Line(0), Line(1)], ledger.Lines);
        Assert.Null(ledger.Place(Guid.NewGuid(), "c2", [Line(5)], "EUR", Now.AddHours(1)));
        Assert.Null(ledger.TakeCommit(Now));
        Assert.Equal((CartId, 2), (ledger.CartId, ledger.Lines.Count));
        var view = ledger.View();
        Assert.Equal((OrderId, CartId, "c1", OrderStatus.PLACED, "USD", Now, 1L), (view.Id, view.CartId, view.CustomerId, view.Status, view.Currency, view.PlacedAt, view.Version));
        Assert.Equal(6m, view.Total);
    }

    [Fact]
    public void Each_hold_is_recorded_committed_once_and_the_order_is_placed_only_when_all_are()
    {
        var ledger = Placing(3);

        ledger.RecordCommitted([2, 0]);
        ledger.CompletePlacing();
        var first = ledger.TakeCommit(Now)!;
        ledger.RecordCommitted([0, 2]);
        Assert.Null(ledger.TakeCommit(Now));
        ledger.RecordCommitted([1, 2]);
        var second = ledger.TakeCommit(Now)!;
        ledger.CompletePlacing();
        var placed = ledger.TakeCommit(Now)!;

        Assert.Equal([0, 2], Assert.IsType<LinesCommitted>(Assert.Single(first.Events)).Lines);
        Assert.Equal([1], Assert.IsType<LinesCommitted>(Assert.Single(second.Events)).Lines);
        Assert.IsType<OrderPlaced>(Assert.Single(placed.Events));
        Assert.Equal([0, 1, 2], ledger.Committed);
        Assert.Equal((SagaStep.Done, OrderStatus.PLACED, 4L), (ledger.Step, ledger.Status, ledger.Version));
        // Once placed, neither commits nor a second completion write anything.
        ledger.RecordCommitted([3]);
        ledger.CompletePlacing();
        ledger.CompleteCancelling();
        Assert.Null(ledger.TakeCommit(Now));
        Assert.Empty(ledger.Errors);
    }

    [Fact]
    public void A_placement_that_cannot_commit_a_hold_is_cancelled_with_its_reason()
    {
        var ledger = Placing(2);
        ledger.RecordCommitted([0]);
        var reason = new UserError(ErrorCode.INSUFFICIENT_STOCK, "gone", "lines");

        Assert.Null(ledger.StartCancelling(reason));
        Assert.Equal((SagaStep.Cancelling, OrderStatus.CANCELLED), (ledger.Step, ledger.View().Status));
        // While it cancels: a commit is not recorded, placing does not complete, a second cancel is a no-op.
        ledger.RecordCommitted([1]);
        ledger.CompletePlacing();
        Assert.Null(ledger.StartCancelling(null));
        Assert.Empty(ledger.Errors);
        ledger.CompleteCancelling();
        var events = ledger.TakeCommit(Now)!.Events;

        Assert.Equal(3, events.Count);
        Assert.Equal(reason, Assert.IsType<CancelStarted>(events[1]).Reason);
        Assert.IsType<OrderCancelled>(events[2]);
        Assert.Equal((SagaStep.Done, OrderStatus.CANCELLED), (ledger.Step, ledger.Status));
        Assert.Equal([0], ledger.Committed);
        Assert.Equal([reason], ledger.Errors);
        Assert.Null(ledger.StartCancelling(null));
        Assert.Null(ledger.TakeCommit(Now));
    }

    [Fact]
    public void A_placed_order_cancelled_on_request_reports_no_refusal()
    {
        var ledger = Placing(1);
        ledger.RecordCommitted([0]);
        ledger.CompletePlacing();

        Assert.Null(ledger.StartCancelling(new UserError(ErrorCode.CONFLICT, "asked", "orderId")));
        ledger.CompleteCancelling();

        Assert.Equal((SagaStep.Done, OrderStatus.CANCELLED), (ledger.Step, ledger.Status));
        Assert.Empty(ledger.Errors);
    }


    [Property(MaxTest = 300, Arbitrary = [typeof(SagaOps)])]
    public void Random_sagas_follow_the_state_machine_and_replay_to_the_same_order(SagaOp[] ops, int lines, int snapshotAt)
    {
        var count = 1 + Math.Abs(lines % 4);
        var commits = new List<OrderCommit>();
        var ledger = Placing(count, commits);
        var committed = new SortedSet<int>();
        var step = SagaStep.Placing;
        var status = OrderStatus.PLACED;
        var cut = Math.Abs(snapshotAt % (ops.Length + 1));
        OrderSnapshot? snapshot = null;
        var snapshotCommits = 0;

        for (var i = 0; i < ops.Length; i++)
        {
            if (i == cut)
            {
                snapshot = ledger.ToSnapshot();
                snapshotCommits = commits.Count;
            }
            var op = ops[i];
            switch (op.Kind)
            {
                case SagaKind.Commit:
                    var fresh = op.Lines.Select(l => Math.Abs(l % count)).ToArray();
                    ledger.RecordCommitted(fresh);
                    if (step == SagaStep.Placing)
                    {
                        committed.UnionWith(fresh);
                    }
                    break;
                case SagaKind.Complete:
                    ledger.CompletePlacing();
                    if (step == SagaStep.Placing && committed.Count == count)
                    {
                        step = SagaStep.Done;
                    }
                    break;
                case SagaKind.Cancel:
                    var refusal = ledger.StartCancelling(null)?.Code;
                    Assert.Equal(step == SagaStep.Done && status == OrderStatus.COMPLETED ? ErrorCode.CONFLICT : null, refusal);
                    if (step == SagaStep.Placing || (step == SagaStep.Done && status is OrderStatus.PLACED or OrderStatus.READY_FOR_PICKUP))
                    {
                        step = SagaStep.Cancelling;
                    }
                    break;
                case SagaKind.CancelDone:
                    ledger.CompleteCancelling();
                    if (step == SagaStep.Cancelling)
                    {
                        (step, status) = (SagaStep.Done, OrderStatus.CANCELLED);
                    }
                    break;
            }
            var version = ledger.Version;
            if (ledger.TakeCommit(Now) is { } commit)
            {
                commits.Add(commit);
                Assert.Equal(version + 1, ledger.Version);
            }
            Assert.Equal((step, status), (ledger.Step, ledger.Status));
            Assert.Equal(committed, ledger.Committed);
            Assert.Equal(commits.Count, ledger.Version);
        }

        var replayed = new OrderLedger(OrderId);
        foreach (var commit in commits)
        {
            replayed.Apply(commit);
        }
        AssertSame(ledger, replayed);
        snapshot ??= ledger.ToSnapshot();
        snapshotCommits = snapshot.Version == ledger.Version ? commits.Count : snapshotCommits;
        var resumed = OrderLedger.FromSnapshot(OrderId, snapshot);
        foreach (var commit in commits.Skip(snapshotCommits))
        {
            resumed.Apply(commit);
        }
        AssertSame(ledger, resumed);
    }

    private static void AssertSame(OrderLedger expected, OrderLedger actual)
    {
        Assert.Equal(JsonSerializer.Serialize(expected.ToSnapshot()), JsonSerializer.Serialize(actual.ToSnapshot()));
        Assert.Equal(JsonSerializer.Serialize(expected.View()), JsonSerializer.Serialize(actual.View()));
        Assert.Equal(expected.Errors, actual.Errors);
    }

    /// <summary>The saga's steps; fulfillment moves (ready, picked up, shipped) have their own model test (tests/Orders/OrderLedgerModelTests.cs).</summary>
    public enum SagaKind { Commit, Complete, Cancel, CancelDone }

    public sealed record SagaOp(SagaKind Kind, int[] Lines, OrderStatus To)
    {
        public override string ToString() => $"{Kind}({string.Join(",", Lines)}; {To})";
    }

    public static class SagaOps
    {
        public static Arbitrary<SagaOp> Op() =>
            (from kind in Gen.Frequency(
                    (4, Gen.Constant(SagaKind.Commit)), (3, Gen.Constant(SagaKind.Complete)), (1, Gen.Constant(SagaKind.Cancel)),
                    (2, Gen.Constant(SagaKind.CancelDone)))
             from lines in Gen.Choose(0, 5).ArrayOf()
             from to in Gen.Elements(OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP, OrderStatus.COMPLETED, OrderStatus.CANCELLED)
             select new SagaOp(kind, lines, to)).ToArbitrary();
    }
}
