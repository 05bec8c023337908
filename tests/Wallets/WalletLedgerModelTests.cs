using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Omni.Wallets;

namespace Omni.Tests.Wallets;

/// <summary>
/// Model-based: random sequences of top-ups, charges, redemptions, points earned and reversed,
/// with few ids (so retries and reuses for other terms are common) and amounts around the edges,
/// run against the ledger and a plain model of the rules. After every step the two agree and
/// nothing is negative; at the end the ledger rebuilt from its own events, and from a snapshot,
/// is identical, remembered outcomes included.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class WalletLedgerModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = 300, Arbitrary = [typeof(WalletOps)])]
    public void Ledger_agrees_with_the_model_and_never_goes_negative(Op[] ops) => Run(ops, WalletLedger.DefaultMaxIds);

    /// <summary>With a cap of five ids, so forgetting runs: a forgotten id is judged again, a remembered one is not.</summary>
    [Property(MaxTest = 300, Arbitrary = [typeof(WalletOps)])]
    public void Ledger_agrees_with_the_model_while_it_forgets_ids_beyond_the_cap(Op[] ops) => Run(ops, 5);

    [Fact]
    public void A_reversal_after_the_points_were_spent_is_owed_and_paid_from_the_next_points_earned()
    {
        var ledger = new WalletLedger("c1");
        Assert.True(ledger.Earn("order:1", 120, Start).Succeeded);
        Assert.True(ledger.Redeem("r1", 100, Start).Succeeded);
        var reversal = ledger.Reverse("order:1:reversed", 120, Start);
        Assert.True(reversal.Succeeded);
        Assert.Equal((0, 100), (ledger.Points, ledger.PointsOwed));

        Assert.True(ledger.Earn("order:2", 130, Start).Succeeded);

        Assert.Equal((30, 0), (ledger.Points, ledger.PointsOwed));
    }

    [Fact]
    public void Refusals_say_why_and_change_nothing()
    {
        var ledger = new WalletLedger("c1");
        Assert.True(ledger.TopUp("t1", 10.50m, Start).Succeeded);
        ledger.TakeCommit();

        Assert.Equal(ErrorCode.INSUFFICIENT_FUNDS, ledger.Charge("ch1", 10.51m, Start).Error?.Code);
        Assert.Equal(ErrorCode.INSUFFICIENT_FUNDS, ledger.Redeem("r1", 1, Start).Error?.Code);
        Assert.Equal(("amount", ErrorCode.INVALID_ARGUMENT), Field(ledger.TopUp("t2", 1.001m, Start)));
        Assert.Equal(("amount", ErrorCode.INVALID_ARGUMENT), Field(ledger.TopUp("t2", 0m, Start)));
        Assert.Equal(("amount", ErrorCode.INVALID_ARGUMENT), Field(ledger.Charge("t2", -1m, Start)));
        Assert.Equal(("amount", ErrorCode.INVALID_ARGUMENT), Field(ledger.TopUp("t2", WalletLedger.MaxAmount + 0.01m, Start)));
        Assert.Equal(("points", ErrorCode.INVALID_ARGUMENT), Field(ledger.Earn("e1", 0, Start)));
        Assert.Equal(("id", ErrorCode.CONFLICT), Field(ledger.Charge("t1", 10.50m, Start)));

        Assert.Null(ledger.TakeCommit());
        Assert.Equal((10.50m, 0, 1L), (ledger.Balance, ledger.Points, ledger.Version));
    }

    /// <summary>The timeline acknowledged all but the newest <paramref name="keep"/> changes.</summary>
    private static (WalletResult, (ErrorCode? Code, (decimal, int, long) View)) Deliver(WalletLedger ledger, Model model, int keep)
    {
        ledger.Delivered(ledger.Version - keep);
        model.Undelivered.RemoveAll(v => v <= model.Version - keep);
        return (new WalletResult(ledger.View(), null), (null, (model.Balance, model.Points - model.Held, model.Version)));
    }

    private static Guid Cart(int i) => new(i, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]);

    [Fact]
    public void Points_set_aside_are_bounded_and_go_back_when_old()
    {
        var ledger = new WalletLedger("c1");
        Assert.True(ledger.Earn("e1", 1000, Start).Succeeded);
        for (var i = 0; i < WalletLedger.MaxHolds; i++)
        {
            Assert.True(ledger.Hold($"h{i}", 1, Guid.NewGuid(), Start.AddMinutes(i % 2 * 30)).Succeeded);
        }

        var over = ledger.Hold("one-more", 1, Guid.NewGuid(), Start);
        var released = ledger.ReleaseHoldsOlderThan(Start.AddMinutes(1), Start.AddHours(1));

        Assert.Equal(("redemptionId", ErrorCode.INVALID_ARGUMENT), Field(over));
        Assert.Equal(WalletLedger.MaxHolds / 2, released);
        Assert.Equal((WalletLedger.MaxHolds / 2, 1000 - WalletLedger.MaxHolds / 2), (ledger.Held, ledger.Available));
    }

    private static (string?, ErrorCode?) Field(WalletResult r) => (r.Error?.Field, r.Error?.Code);

    private static void Run(Op[] ops, int maxIds)
    {
        var ledger = new WalletLedger("c1", maxIds);
        var model = new Model(maxIds);
        var journal = new List<WalletCommit>();
        var now = Start;
        foreach (var op in ops)
        {
            now = now.AddSeconds(1);
            var (actual, expected) = op switch
            {
                Op.TopUp t => (ledger.TopUp(t.Id, t.Cents / 100m, now), model.Money(t.Id, "up", t.Cents, now)),
                Op.Charge c => (ledger.Charge(c.Id, c.Cents / 100m, now), model.Money(c.Id, "charge", c.Cents, now)),
                Op.Redeem r => (ledger.Redeem(r.Id, r.Points, now), model.PointsChange(r.Id, "redeem", r.Points, now)),
                Op.Earn e => (ledger.Earn(e.Id, e.Points, now), model.PointsChange(e.Id, "earn", e.Points, now)),
                Op.Reverse v => (ledger.Reverse(v.Id, v.Points, now), model.PointsChange(v.Id, "reverse", v.Points, now)),
                Op.Deliver d => Deliver(ledger, model, d.Keep),
                Op.Hold h => (ledger.Hold(h.Id, h.Points, Cart(h.Cart), now), model.Hold(h.Id, h.Points, h.Cart)),
                Op.Release r => (ledger.ReleaseHolds(Cart(r.Cart), now), model.Release(r.Cart)),
                Op.Checkout c => (ledger.RedeemHeld(c.Id, Cart(c.Cart), now), model.RedeemHeld(c.Id, c.Cart)),
                Op.Refund f => (ledger.Refund(f.Id, f.Points, now), model.PointsChange(f.Id, "refund", f.Points, now)),
                _ => throw new InvalidOperationException(),
            };
            if (ledger.TakeCommit() is { } commit)
            {
                journal.Add(commit);
            }
            Assert.Equal(expected.Code, actual.Error?.Code);
            Assert.Equal(expected.View, (actual.Wallet.Balance, actual.Wallet.Points, actual.Wallet.Version));
            Assert.Equal((model.Balance, model.Points, model.Owed, model.Version, model.Held), (ledger.Balance, ledger.Points, ledger.PointsOwed, ledger.Version, ledger.Held));
            Assert.True(ledger.Balance >= 0 && ledger.Available >= 0 && ledger.Held >= 0 && ledger.PointsOwed >= 0);
            // The outbox holds every change of the customer's history the timeline has not acknowledged, in order, each once.
            Assert.Equal(model.Undelivered, ledger.Outbox.Select(o => o.Version));
        }

        var replayed = new WalletLedger("c1", maxIds);
        foreach (var commit in journal)
        {
            replayed.Apply(commit);
        }
        var restored = WalletLedger.FromSnapshot("c1", ledger.ToSnapshot(), maxIds);
        foreach (var rebuilt in new[] { replayed, restored })
        {
            Assert.Equal(ledger.ToSnapshot() with { Remembered = [], Outbox = [], Holds = [] }, rebuilt.ToSnapshot() with { Remembered = [], Outbox = [], Holds = [] });
            Assert.Equal(ledger.ToSnapshot().Remembered, rebuilt.ToSnapshot().Remembered);
            Assert.Equal(ledger.Outbox, rebuilt.Outbox);
            Assert.Equal(ledger.Holds, rebuilt.Holds);
        }
    }

    /// <summary>The rules, plainly: money in cents, a list of remembered ids, oldest forgotten first.</summary>
    private sealed class Model(int maxIds)
    {
        private readonly Dictionary<string, (string Terms, decimal Balance, int Points, long Version)> _seen = [];
        private readonly List<string> _order = [];

        public decimal Balance { get; private set; }
        public int Points { get; private set; }
        public int Owed { get; private set; }
        public long Version { get; private set; }
        public List<long> Undelivered { get; } = [];
        public Dictionary<int, int> HeldFor { get; } = [];
        public int Held => HeldFor.Values.Sum();

        public (ErrorCode? Code, (decimal, int, long) View) Money(string id, string kind, int cents, DateTimeOffset now)
        {
            var amount = cents / 100m;
            var terms = $"{kind}:{amount}";
            if (Seen(id, terms) is { } replay)
            {
                return replay;
            }
            if (cents <= 0 || amount > WalletLedger.MaxAmount || (kind == "up" && Balance + amount > WalletLedger.MaxBalance))
            {
                return (ErrorCode.INVALID_ARGUMENT, Now());
            }
            if (kind == "charge" && amount > Balance)
            {
                return (ErrorCode.INSUFFICIENT_FUNDS, Now());
            }
            Balance += kind == "up" ? amount : -amount;
            return Changed(id, terms);
        }

        public (ErrorCode? Code, (decimal, int, long) View) Hold(string id, int points, int cart)
        {
            var terms = $"hold:{points}:{cart}";
            if (Seen(id, terms) is { } replay)
            {
                return replay;
            }
            if (points <= 0 || points > WalletLedger.MaxPointsPerChange)
            {
                return (ErrorCode.INVALID_ARGUMENT, Now());
            }
            if (points > Points - Held)
            {
                return (ErrorCode.INSUFFICIENT_FUNDS, Now());
            }
            HeldFor[cart] = HeldFor.GetValueOrDefault(cart) + points;
            return Changed(id, terms, history: false);
        }

        public (ErrorCode? Code, (decimal, int, long) View) Release(int cart)
        {
            if (HeldFor.GetValueOrDefault(cart) == 0)
            {
                return (null, Now());
            }
            HeldFor.Remove(cart);
            return Changed($"released:{Version + 1}", "release", history: false);
        }

        public (ErrorCode? Code, (decimal, int, long) View) RedeemHeld(string id, int cart)
        {
            var terms = $"checkout:{cart}";
            if (Seen(id, terms) is { } replay)
            {
                return replay;
            }
            if (HeldFor.GetValueOrDefault(cart) is var held && held == 0)
            {
                return (null, Now());
            }
            Points -= held;
            HeldFor.Remove(cart);
            return Changed(id, terms);
        }

        public (ErrorCode? Code, (decimal, int, long) View) PointsChange(string id, string kind, int points, DateTimeOffset now)
        {
            var terms = $"{kind}:{points}";
            if (Seen(id, terms) is { } replay)
            {
                return replay;
            }
            if (points <= 0 || points > WalletLedger.MaxPointsPerChange)
            {
                return (ErrorCode.INVALID_ARGUMENT, Now());
            }
            switch (kind)
            {
                case "redeem" when points > Points - Held:
                    return (ErrorCode.INSUFFICIENT_FUNDS, Now());
                case "refund":
                    Points += points;
                    break;
                case "redeem":
                    Points -= points;
                    break;
                case "earn":
                    var repaid = Math.Min(Owed, points);
                    Owed -= repaid;
                    Points += points - repaid;
                    break;
                default:
                    var taken = Math.Min(Points - Held, points);
                    Points -= taken;
                    Owed += points - taken;
                    break;
            }
            return Changed(id, terms);
        }

        private (ErrorCode?, (decimal, int, long))? Seen(string id, string terms) =>
            _seen.TryGetValue(id, out var first)
                ? first.Terms == terms ? (null, (first.Balance, first.Points, first.Version)) : (ErrorCode.CONFLICT, Now())
                : null;

        private (decimal, int, long) Now() => (Balance, Points - Held, Version);

        private (ErrorCode?, (decimal, int, long)) Changed(string id, string terms, bool history = true)
        {
            Version++;
            if (history)
            {
                Undelivered.Add(Version);
            }
            _seen[id] = (terms, Balance, Points - Held, Version);
            _order.Add(id);
            if (_order.Count > maxIds)
            {
                _seen.Remove(_order[0]);
                _order.RemoveAt(0);
            }
            return (null, Now());
        }
    }

    public abstract record Op
    {
        public sealed record TopUp(string Id, int Cents) : Op;
        public sealed record Charge(string Id, int Cents) : Op;
        public sealed record Redeem(string Id, int Points) : Op;
        public sealed record Earn(string Id, int Points) : Op;
        public sealed record Reverse(string Id, int Points) : Op;
        public sealed record Deliver(int Keep) : Op;
        public sealed record Hold(string Id, int Points, int Cart) : Op;
        public sealed record Release(int Cart) : Op;
        public sealed record Checkout(string Id, int Cart) : Op;
        public sealed record Refund(string Id, int Points) : Op;
    }

    public static class WalletOps
    {
        public static Arbitrary<Op[]> Ops()
        {
            // Few ids shared by every kind of change, so retries and reuses for other terms are common.
            var ids = Gen.Choose(1, 8).Select(i => $"id{i}");
            var cents = Gen.Frequency((8, Gen.Choose(1, 3000)), (1, Gen.Choose(-100, 0)), (1, Gen.Constant((int)(WalletLedger.MaxAmount * 100) + 1)));
            var points = Gen.Frequency((8, Gen.Choose(1, 300)), (1, Gen.Choose(-5, 0)), (1, Gen.Constant(WalletLedger.MaxPointsPerChange + 1)));
            var ops = Gen.Frequency(
                (3, ids.SelectMany(id => cents, (id, c) => (Op)new Op.TopUp(id, c))),
                (3, ids.SelectMany(id => cents, (id, c) => (Op)new Op.Charge(id, c))),
                (3, ids.SelectMany(id => points, (id, p) => (Op)new Op.Redeem(id, p))),
                (3, ids.SelectMany(id => points, (id, p) => (Op)new Op.Earn(id, p))),
                (2, ids.SelectMany(id => points, (id, p) => (Op)new Op.Reverse(id, p))),
                (2, Gen.Choose(0, 3).Select(k => (Op)new Op.Deliver(k))),
                (2, ids.SelectMany(id => points, (id, p) => (id, p)).SelectMany(x => Gen.Choose(1, 2), (x, c) => (Op)new Op.Hold(x.id, x.p, c))),
                (1, Gen.Choose(1, 2).Select(c => (Op)new Op.Release(c))),
                (2, ids.SelectMany(id => Gen.Choose(1, 2), (id, c) => (Op)new Op.Checkout(id, c))),
                (1, ids.SelectMany(id => points, (id, p) => (Op)new Op.Refund(id, p))));
            return Gen.ArrayOf(ops).ToArbitrary();
        }
    }
}
