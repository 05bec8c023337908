using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Omni.Carts;

namespace Omni.Tests.Carts;

/// <summary>
/// Model-based: random sequences of line changes, removals, lapses, checkouts (placed or
/// failed), merges and stale expected versions, run against <see cref="CartLedger"/> and against
/// a plain model of a cart. After every step the two agree; at the end the ledger rebuilt from
/// its commits, and from a snapshot taken part-way plus the commits after it, is the same cart.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class CartLedgerModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly Guid CartId = Guid.Parse("6f1c2a0e-0000-4000-8000-000000000001");

    [Property(MaxTest = 300, Arbitrary = [typeof(CartOps)])]
    public void Ledger_agrees_with_the_model_and_replays_to_the_same_cart(Op[] ops, int snapshotAt)
    {
        var ledger = new CartLedger(CartId);
        var model = new Model();
        var now = Start;
        var commits = new List<CartCommit>();
        CartSnapshot? snapshot = null;
        var snapshotCommits = 0;
        var cut = ops.Length == 0 ? 0 : Math.Abs(snapshotAt % (ops.Length + 1));

        ledger.Open("c1", "EUR");
        model.Open();
        commits.Add(ledger.TakeCommit(now, Channel.WEB)!);

        for (var step = 0; step < ops.Length; step++)
        {
            if (step == cut)
            {
                snapshot = ledger.ToSnapshot();
                snapshotCommits = commits.Count;
            }
            var op = ops[step];
            now += TimeSpan.FromSeconds(1);
            var expected = model.Refusal(op, ledger.Version);
            var actual = op is Op.Wait ? null : ledger.Refusal(op.ExpectedVersion(ledger.Version))?.Code;
            Assert.True(expected == actual, $"{op}: model refuses with {expected?.ToString() ?? "nothing"}, ledger with {actual?.ToString() ?? "nothing"}");
            if (actual is null)
            {
                Run(ledger, model, op, ref now);
            }
            if (ledger.TakeCommit(now, Channel.APP) is { } commit)
            {
                commits.Add(commit);
                model.Version++;
            }
            Assert.False(ledger.HasPending);
            Check(ledger, model, op);
        }

        var replayed = new CartLedger(CartId);
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
        var resumed = CartLedger.FromSnapshot(CartId, snapshot);
        foreach (var commit in commits.Skip(snapshotCommits))
        {
            resumed.Apply(commit);
        }
        AssertSame(ledger, resumed);
        AssertSame(ledger, CartLedger.FromSnapshot(CartId, ledger.ToSnapshot()));
    }

    private static void Run(CartLedger ledger, Model model, Op op, ref DateTimeOffset now)
    {
        switch (op)
        {
            case Op.Put put:
                var lineId = $"L{put.Line}";
                if (ledger.Line(lineId) is null && ledger.NewLineId() != lineId)
                {
                    lineId = ledger.NewLineId();
                }
                var until = now + TimeSpan.FromSeconds(put.HoldSeconds);
                ledger.Put(new CartLine(lineId, $"SKU-{put.Line}", put.Quantity, FulfillmentKind.SHIP, "w1", $"r-{lineId}-{now.Ticks}", until, 2.5m, "EUR"));
                model.Put(lineId, put.Quantity, until);
                break;
            case Op.Remove remove:
                ledger.Remove($"L{remove.Line}");
                model.Remove($"L{remove.Line}");
                break;
            case Op.Wait wait:
                now += TimeSpan.FromSeconds(wait.Seconds);
                ledger.MarkLapsed(now);
                model.Lapse(now);
                break;
            case Op.Checkout checkout:
                if (ledger.CheckoutInDoubt is null && ledger.Lines.Count > 0)
                {
                    var orderId = Guid.NewGuid();
                    ledger.StartCheckout(checkout.Key, orderId);
                    model.InDoubt = (checkout.Key, orderId);
                }
                break;
            case Op.Settle settle:
                if (ledger.CheckoutInDoubt is var (key, order))
                {
                    if (settle.Placed)
                    {
                        ledger.CompleteCheckout(key, order);
                        model.CheckedOut = order;
                        model.Checkouts[key] = order;
                    }
                    else
                    {
                        ledger.FailCheckout(key, order);
                    }
                    model.InDoubt = null;
                }
                break;
            case Op.Merge:
                if (ledger.CheckoutInDoubt is null)
                {
                    var target = Guid.NewGuid();
                    ledger.MergeAway(target);
                    model.MergedInto = target;
                    model.Lines.Clear();
                }
                break;
        }
    }

    private static void Check(CartLedger ledger, Model model, Op op)
    {
        var view = ledger.View();
        Assert.True(model.Version == view.Version, $"after {op}: version {view.Version}, model {model.Version}");
        Assert.Equal(model.Lines.Keys.Order(), view.Lines.Select(l => l.Id).Order());
        foreach (var line in view.Lines)
        {
            var (quantity, until, held) = model.Lines[line.Id];
            Assert.True(quantity == line.Quantity, $"after {op}: {line.Id} has {line.Quantity}, model {quantity}");
            Assert.True(held == (line.ReservationId is not null), $"after {op}: {line.Id} held {line.ReservationId is not null}, model {held}");
            Assert.Equal(until, line.ReservedUntil);
        }
        Assert.Equal(model.CheckedOut is not null, view.CheckedOut);
        Assert.Equal(model.CheckedOut, view.OrderId);
        Assert.Equal(model.MergedInto, view.MergedInto);
        Assert.Equal(model.InDoubt, ledger.CheckoutInDoubt);
        var nextLapse = model.CheckedOut is null && model.MergedInto is null
            ? model.Lines.Values.Where(l => l.Held).Select(l => (DateTimeOffset?)l.Until).Min()
            : null;
        Assert.Equal(nextLapse, ledger.NextLapse);
    }

    private static void AssertSame(CartLedger expected, CartLedger actual)
    {
        Assert.Equal(expected.View().Version, actual.View().Version);
        Assert.Equal(expected.View().Lines, actual.View().Lines);
        Assert.Equal(expected.View() with { Lines = [] }, actual.View() with { Lines = [] });
        Assert.Equal(expected.CheckoutInDoubt, actual.CheckoutInDoubt);
        Assert.Equal(expected.NextLine, actual.NextLine);
        Assert.Equal(expected.ToSnapshot().Checkouts.OrderBy(c => c.Key), actual.ToSnapshot().Checkouts.OrderBy(c => c.Key));
    }

    /// <summary>A cart, written as plainly as possible.</summary>
    private sealed class Model
    {
        public Dictionary<string, (int Quantity, DateTimeOffset Until, bool Held)> Lines { get; } = [];
        public Dictionary<string, Guid> Checkouts { get; } = [];
        public long Version { get; set; }
        public Guid? CheckedOut { get; set; }
        public Guid? MergedInto { get; set; }
        public (string Key, Guid OrderId)? InDoubt { get; set; }

        public void Open() => Version = 1;

        public ErrorCode? Refusal(Op op, long version) => op switch
        {
            Op.Wait => null,
            _ when CheckedOut is not null => ErrorCode.ALREADY_CHECKED_OUT,
            _ when MergedInto is not null => ErrorCode.CONFLICT,
            _ when op.ExpectedVersion(version) is { } expected && expected != version => ErrorCode.VERSION_CONFLICT,
            _ => null,
        };

        public void Put(string lineId, int quantity, DateTimeOffset until) => Lines[lineId] = (quantity, until, true);

        public void Remove(string lineId) => Lines.Remove(lineId);

        public void Lapse(DateTimeOffset now)
        {
            if (InDoubt is not null || CheckedOut is not null || MergedInto is not null)
            {
                return;
            }
            foreach (var (id, line) in Lines.Where(l => l.Value.Held && l.Value.Until <= now).ToList())
            {
                Lines[id] = line with { Held = false };
            }
        }
    }

    public abstract record Op
    {
        /// <summary>Some operations come with a stale expected version, which must be refused.</summary>
        public bool Stale { get; init; }

        public long? ExpectedVersion(long current) => Stale ? current - 1 : null;

        public sealed record Put(int Line, int Quantity, int HoldSeconds) : Op;
        public sealed record Remove(int Line) : Op;
        public sealed record Wait(int Seconds) : Op;
        public sealed record Checkout(string Key) : Op;
        public sealed record Settle(bool Placed) : Op;
        public sealed record Merge : Op;
    }

    public static class CartOps
    {
        public static Arbitrary<Op[]> Ops() =>
            Gen.Frequency(
                    (8, from line in Gen.Choose(1, 6)
                        from quantity in Gen.Choose(1, Limits.MaxUnitsPerLine)
                        from hold in Gen.Choose(5, 120)
                        from stale in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
                        select (Op)new Op.Put(line, quantity, hold) { Stale = stale }),
                    (3, Gen.Choose(1, 6).Select(line => (Op)new Op.Remove(line))),
                    (3, Gen.Choose(1, 90).Select(seconds => (Op)new Op.Wait(seconds))),
                    (1, Gen.Elements("k1", "k2").Select(key => (Op)new Op.Checkout(key))),
                    (1, Gen.Elements(true, false).Select(placed => (Op)new Op.Settle(placed))),
                    (1, Gen.Constant((Op)new Op.Merge())))
                .ArrayOf()
                .ToArbitrary();
    }
}
