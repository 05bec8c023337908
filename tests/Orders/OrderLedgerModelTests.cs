using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Omni.Carts;
using Omni.Orders;

namespace Omni.Tests.Orders;

/// <summary>
/// Model-based: random sequences of ready, pickup, shipping, waiting (pickups lapse), cancelling,
/// returns (repeated ids, unknown SKUs, too many units) and restoring owed stock, run against a
/// placed <see cref="OrderLedger"/> and against a plain model of its fulfillments. After every
/// step the two agree (refusal codes, statuses, refunds, units owed back) and no line ever took
/// back more than it sold; at the end the ledger rebuilt from its commits, and from a snapshot
/// taken part-way plus the commits after it, is the same order.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class OrderLedgerModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid OrderId = Guid.Parse("0d3f5a1e-0000-4000-8000-000000000015");
    private static readonly TimeSpan Window = TimeSpan.FromHours(48);

    /// <summary>f1 = pickup at s1 (lines 0, 3), f2 = pickup at s2 (line 1), f3 = delivery from w1 (line 2).</summary>
    private static readonly OrderLine[] Lines =
    [
        new("A", 3, FulfillmentKind.PICKUP, "s1", 2.5m, "r0"),
        new("B", 2, FulfillmentKind.PICKUP, "s2", 4m, "r1"),
        new("A", 1, FulfillmentKind.SHIP, "w1", 2.5m, "r2"),
        new("C", 2, FulfillmentKind.PICKUP, "s1", 1m, "r3"),
    ];

    private static readonly Dictionary<string, decimal> Prices = new() { ["A"] = 2.5m, ["B"] = 4m, ["C"] = 1m };

    [Property(MaxTest = 300, Arbitrary = [typeof(OrderOps)])]
    public void Ledger_agrees_with_the_model_and_replays_to_the_same_order(Op[] ops, int snapshotAt)
    {
        var ledger = new OrderLedger(OrderId);
        var model = new Model();
        var now = Start;
        var commits = new List<OrderCommit>();
        OrderSnapshot? snapshot = null;
        var snapshotCommits = 0;
        var cut = ops.Length == 0 ? 0 : Math.Abs(snapshotAt % (ops.Length + 1));

        Assert.Null(ledger.Place(Guid.NewGuid(), "c1", Lines, "EUR", now, Channel.WEB));
        ledger.RecordCommitted([0, 1, 2, 3]);
        ledger.CompletePlacing();
        commits.Add(ledger.TakeCommit(now)!);
        Check(ledger, model, "placed");
        Assert.Equal(["f1", "f2", "f3"], ledger.View().Fulfillments.Select(f => f.Id));

        for (var step = 0; step < ops.Length; step++)
        {
            if (step == cut)
            {
                snapshot = ledger.ToSnapshot();
                snapshotCommits = commits.Count;
            }
            var op = ops[step];
            now += TimeSpan.FromMinutes(1);
            if (op is Op.Wait wait)
            {
                now += TimeSpan.FromHours(wait.Hours);
            }
            // As the grain does before every command: a pickup whose window passed lapses first.
            ledger.LapsePickups(now);
            model.Lapse(now);
            var expected = model.Run(op, now);
            var actual = Run(ledger, op, now);
            Assert.True(expected == actual, $"{op}: model says {expected?.ToString() ?? "ok"}, ledger {actual?.ToString() ?? "ok"}");
            if (ledger.TakeCommit(now) is { } commit)
            {
                commits.Add(commit);
            }
            Check(ledger, model, op.ToString());
        }

        var replayed = new OrderLedger(OrderId);
        foreach (var commit in commits)
        {
            replayed.Apply(commit);
        }
        AssertSame(ledger, replayed);
        if (snapshot is null)
        {
            snapshot = ledger.ToSnapshot();
            snapshotCommits = commits.Count;
        }
        var resumed = OrderLedger.FromSnapshot(OrderId, snapshot);
        foreach (var commit in commits.Skip(snapshotCommits))
        {
            resumed.Apply(commit);
        }
        AssertSame(ledger, resumed);
        AssertSame(ledger, OrderLedger.FromSnapshot(OrderId, ledger.ToSnapshot()));
    }

    [Fact]
    public void An_order_placed_before_fulfillments_existed_gets_them_from_its_lines()
    {
        var old = new OrderSnapshot(SagaStep.Done, OrderStatus.READY_FOR_PICKUP, Guid.NewGuid(), "c1", Lines, "EUR", Start, [0, 1, 2, 3], null, 3);
        var ledger = OrderLedger.FromSnapshot(OrderId, old);
        var view = ledger.View();

        Assert.Equal(OrderStatus.READY_FOR_PICKUP, view.Status);
        Assert.Equal(
            [(FulfillmentKind.PICKUP, "s1", FulfillmentStatus.READY_FOR_PICKUP, 2), (FulfillmentKind.PICKUP, "s2", FulfillmentStatus.READY_FOR_PICKUP, 1), (FulfillmentKind.SHIP, "w1", FulfillmentStatus.OPEN, 1)],
            view.Fulfillments.Select(f => (f.Kind, f.StoreId, f.Status, f.Lines.Count)));
        Assert.Null(ledger.ConfirmPickup("f1"));
    }

    [Fact]
    public void An_old_placing_event_without_a_channel_still_reads_and_groups_its_lines()
    {
        const string Json = """
            {"At":"2026-11-30T08:00:00+00:00","Events":[{"$e":"placing","CartId":"6f1c2a0e-0000-4000-8000-000000000001","CustomerId":null,"Lines":[{"Sku":"A","Quantity":1,"Fulfillment":1,"StoreId":"s1","UnitPrice":2.5,"ReservationId":"r"}],"Currency":"EUR","At":"2026-11-30T08:00:00+00:00"},{"$e":"committed","Lines":[0]},{"$e":"placed"},{"$e":"status","Status":2}]}
            """;
        var ledger = new OrderLedger(OrderId);
        ledger.Apply(System.Text.Json.JsonSerializer.Deserialize<OrderCommit>(Json, Omni.Journal.StreamJournal<OrderCommit, OrderSnapshot>.Json)!);

        Assert.Null(ledger.Channel);
        Assert.Equal(OrderStatus.COMPLETED, ledger.View().Status);
        Assert.Equal(FulfillmentStatus.PICKED_UP, Assert.Single(ledger.View().Fulfillments).Status);
    }

    private static ErrorCode? Run(OrderLedger ledger, Op op, DateTimeOffset now) => op switch
    {
        Op.Ready r => ledger.MarkReadyForPickup(r.Fulfillment, now, Window)?.Code,
        Op.Confirm c => ledger.ConfirmPickup(c.Fulfillment)?.Code,
        Op.Ship s => ledger.MarkShipped(s.Fulfillment)?.Code,
        Op.Cancel => Cancel(ledger),
        Op.Return r => ledger.Return(r.Id, r.Store, [new ReturnRequestLine(r.Sku, r.Quantity)], "changed mind")?.Code,
        Op.Restore => Restore(ledger),
        _ => null,
    };

    private static ErrorCode? Cancel(OrderLedger ledger)
    {
        var refused = ledger.StartCancelling(null)?.Code;
        ledger.CompleteCancelling();
        return refused;
    }

    /// <summary>As the grain does once the stores, the wallet and the timeline took what the order owed them.</summary>
    private static ErrorCode? Restore(OrderLedger ledger)
    {
        ledger.RecordRestored(ledger.Owed.Select(o => o.Movement));
        ledger.RecordPointsSettled(ledger.PointsOwed.Select(p => p.Id));
        if (ledger.TimelineOutbox.Count > 0)
        {
            ledger.RecordDelivered(ledger.TimelineOutbox[^1].Number);
        }
        return null;
    }

    private static void Check(OrderLedger ledger, Model model, string after)
    {
        var view = ledger.View();
        Assert.True(model.Status() == view.Status, $"after {after}: status {view.Status}, model {model.Status()}");
        foreach (var f in view.Fulfillments)
        {
            var (status, collectBy) = model.Fulfillments[f.Id];
            Assert.True(status == f.Status, $"after {after}: {f.Id} is {f.Status}, model {status}");
            Assert.Equal(collectBy, f.CollectBy);
        }
        Assert.Equal(model.Refunded, view.RefundedTotal);
        Assert.Equal(model.Returns.Order(), view.Returns.Select(r => r.Id).Order());
        Assert.Equal(
            model.Owed.OrderBy(o => o.Key).Select(o => (o.Key, o.Value)),
            ledger.Owed.GroupBy(o => (o.StoreId, o.Sku)).Select(g => (g.Key, g.Sum(o => o.Quantity))).Where(o => o.Item2 > 0).OrderBy(o => o.Key));
        Assert.Equal(model.Owed.Count > 0 || ledger.PointsOwed.Count > 0 || ledger.TimelineOutbox.Count > 0, ledger.InFlight);
        // Points: the total (20.00) earned once; never more taken back than earned; all of it once nothing is kept.
        var points = ledger.ToSnapshot();
        Assert.Equal(20, points.PointsEarned);
        Assert.InRange(points.PointsReversed, 0, 20);
        var returnedUnits = model.Returned.Values.Sum();
        var cancelledUnits = view.Fulfillments.Where(f => f.Status == FulfillmentStatus.CANCELLED).Sum(f => f.Lines.Sum(l => l.Quantity));
        if (view.Status == OrderStatus.CANCELLED || returnedUnits + cancelledUnits == Lines.Sum(l => l.Quantity))
        {
            Assert.True(points.PointsReversed == 20, $"after {after}: {points.PointsReversed} of 20 points taken back from an order nothing of which is kept");
        }
        Assert.Equal(points.Entries, ledger.TimelineOutbox.Count == 0 ? points.Entries : ledger.TimelineOutbox[^1].Number);
        var returned = ledger.Returns.SelectMany(r => r.Lines).GroupBy(l => l.Line).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));
        Assert.All(returned, r => Assert.True(r.Value <= Lines[r.Key].Quantity, $"after {after}: line {r.Key} took back {r.Value} of {Lines[r.Key].Quantity}"));
        Assert.Equal(model.Returned.OrderBy(r => r.Key), returned.GroupBy(r => Lines[r.Key].Sku).Select(g => new KeyValuePair<string, int>(g.Key, g.Sum(r => r.Value))).OrderBy(r => r.Key));
    }

    private static void AssertSame(OrderLedger expected, OrderLedger actual)
    {
        var (e, a) = (expected.View(), actual.View());
        Assert.Equal(e.Version, a.Version);
        Assert.Equal(e.Status, a.Status);
        Assert.Equal(e.Channel, a.Channel);
        Assert.Equal(e.Fulfillments.Select(f => (f.Id, f.Status, f.CollectBy, f.UpdatedAt)), a.Fulfillments.Select(f => (f.Id, f.Status, f.CollectBy, f.UpdatedAt)));
        Assert.Equal(e.Returns.Select(r => (r.Id, r.StoreId, r.Refund, r.At)), a.Returns.Select(r => (r.Id, r.StoreId, r.Refund, r.At)));
        Assert.Equal(expected.Owed, actual.Owed);
        Assert.Equal(expected.PointsOwed, actual.PointsOwed);
        Assert.Equal(expected.TimelineOutbox, actual.TimelineOutbox);
        var (es, @as) = (expected.ToSnapshot(), actual.ToSnapshot());
        Assert.Equal((es.Entries, es.PointsEarned, es.PointsReversed), (@as.Entries, @as.PointsEarned, @as.PointsReversed));
    }

    /// <summary>An order's fulfillments, written as plainly as possible.</summary>
    private sealed class Model
    {
        public Dictionary<string, (FulfillmentStatus Status, DateTimeOffset? CollectBy)> Fulfillments { get; } = new()
        {
            ["f1"] = (FulfillmentStatus.OPEN, null),
            ["f2"] = (FulfillmentStatus.OPEN, null),
            ["f3"] = (FulfillmentStatus.OPEN, null),
        };

        public bool Cancelled { get; private set; }
        public decimal Refunded { get; private set; }
        public HashSet<string> Returns { get; } = [];
        public Dictionary<string, int> Returned { get; } = [];
        public Dictionary<(string Store, string Sku), int> Owed { get; } = [];

        private static readonly Dictionary<string, (string Store, (string Sku, int Quantity)[] Lines, bool Pickup)> Shape = new()
        {
            ["f1"] = ("s1", [("A", 3), ("C", 2)], true),
            ["f2"] = ("s2", [("B", 2)], true),
            ["f3"] = ("w1", [("A", 1)], false),
        };

        public OrderStatus Status()
        {
            var statuses = Fulfillments.Values.Select(f => f.Status).ToList();
            if (Cancelled || statuses.All(s => s == FulfillmentStatus.CANCELLED))
            {
                return OrderStatus.CANCELLED;
            }
            if (statuses.All(s => s is FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED or FulfillmentStatus.CANCELLED))
            {
                return OrderStatus.COMPLETED;
            }
            var pickups = Fulfillments.Where(f => Shape[f.Key].Pickup).Select(f => f.Value.Status).ToList();
            return pickups.Contains(FulfillmentStatus.READY_FOR_PICKUP) && !pickups.Contains(FulfillmentStatus.OPEN)
                ? OrderStatus.READY_FOR_PICKUP
                : OrderStatus.PLACED;
        }

        public void Lapse(DateTimeOffset now)
        {
            foreach (var (id, f) in Fulfillments.Where(f => f.Value.Status == FulfillmentStatus.READY_FOR_PICKUP && f.Value.CollectBy <= now).ToList())
            {
                Fulfillments[id] = (FulfillmentStatus.CANCELLED, null);
                foreach (var (sku, quantity) in Shape[id].Lines)
                {
                    Owed[(Shape[id].Store, sku)] = Owed.GetValueOrDefault((Shape[id].Store, sku)) + quantity;
                }
            }
        }

        public ErrorCode? Run(Op op, DateTimeOffset now)
        {
            switch (op)
            {
                case Op.Ready r:
                    return Move(r.Fulfillment, pickup: true, FulfillmentStatus.OPEN, FulfillmentStatus.READY_FOR_PICKUP, now + Window);
                case Op.Confirm c:
                    return Move(c.Fulfillment, pickup: true, FulfillmentStatus.READY_FOR_PICKUP, FulfillmentStatus.PICKED_UP, null);
                case Op.Ship s:
                    return Move(s.Fulfillment, pickup: false, FulfillmentStatus.OPEN, FulfillmentStatus.SHIPPED, null);
                case Op.Cancel:
                    if (Status() == OrderStatus.CANCELLED)
                    {
                        return null;
                    }
                    if (Fulfillments.Values.Any(f => f.Status is FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED))
                    {
                        return ErrorCode.INVALID_STATE;
                    }
                    Cancelled = true;
                    foreach (var id in Fulfillments.Keys.ToList())
                    {
                        Fulfillments[id] = (FulfillmentStatus.CANCELLED, null);
                    }
                    return null;
                case Op.Return r:
                    return Return(r);
                case Op.Restore:
                    Owed.Clear();
                    return null;
                default:
                    return null;
            }
        }

        private ErrorCode? Move(string id, bool pickup, FulfillmentStatus from, FulfillmentStatus to, DateTimeOffset? collectBy)
        {
            var (status, _) = Fulfillments[id];
            if (status == to)
            {
                return null;
            }
            if (Shape[id].Pickup != pickup || status != from)
            {
                return ErrorCode.INVALID_STATE;
            }
            Fulfillments[id] = (to, collectBy);
            return null;
        }

        private ErrorCode? Return(Op.Return r)
        {
            if (Returns.Contains(r.Id))
            {
                return null;
            }
            if (Status() == OrderStatus.CANCELLED)
            {
                return ErrorCode.INVALID_STATE;
            }
            var lines = Shape.Where(f => f.Value.Lines.Any(l => l.Sku == r.Sku)).ToList();
            if (lines.Count == 0)
            {
                return ErrorCode.INVALID_ARGUMENT;
            }
            var sold = lines.Where(f => Fulfillments[f.Key].Status is FulfillmentStatus.PICKED_UP or FulfillmentStatus.SHIPPED)
                .SelectMany(f => f.Value.Lines).Where(l => l.Sku == r.Sku).ToList();
            if (sold.Count == 0)
            {
                return ErrorCode.INVALID_STATE;
            }
            if (Returned.GetValueOrDefault(r.Sku) + r.Quantity > sold.Sum(l => l.Quantity))
            {
                return ErrorCode.RETURN_EXCEEDS_SOLD;
            }
            Returns.Add(r.Id);
            Returned[r.Sku] = Returned.GetValueOrDefault(r.Sku) + r.Quantity;
            Refunded += r.Quantity * Prices[r.Sku];
            Owed[(r.Store, r.Sku)] = Owed.GetValueOrDefault((r.Store, r.Sku)) + r.Quantity;
            return null;
        }
    }

    public abstract record Op
    {
        public sealed record Ready(string Fulfillment) : Op;
        public sealed record Confirm(string Fulfillment) : Op;
        public sealed record Ship(string Fulfillment) : Op;
        public sealed record Wait(int Hours) : Op;
        public sealed record Cancel : Op;
        public sealed record Return(string Id, string Store, string Sku, int Quantity) : Op;
        public sealed record Restore : Op;
    }

    public static class OrderOps
    {
        public static Arbitrary<Op[]> Ops()
        {
            var fulfillment = Gen.Elements("f1", "f2", "f3");
            return Gen.Frequency(
                    (4, fulfillment.Select(f => (Op)new Op.Ready(f))),
                    (4, fulfillment.Select(f => (Op)new Op.Confirm(f))),
                    (2, fulfillment.Select(f => (Op)new Op.Ship(f))),
                    (2, Gen.Choose(1, 60).Select(h => (Op)new Op.Wait(h))),
                    (1, Gen.Constant((Op)new Op.Cancel())),
                    (6, from id in Gen.Elements("ret-1", "ret-2", "ret-3", "ret-4", "ret-5")
                        from store in Gen.Elements("s1", "s2", "s9")
                        from sku in Gen.Elements("A", "B", "C", "D")
                        from quantity in Gen.Choose(1, 4)
                        select (Op)new Op.Return(id, store, sku, quantity)),
                    (2, Gen.Constant((Op)new Op.Restore())))
                .ArrayOf()
                .ToArbitrary();
        }
    }
}
