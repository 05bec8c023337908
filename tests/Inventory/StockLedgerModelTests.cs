using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Omni.Inventory;

namespace Omni.Tests.Inventory;

/// <summary>
/// Model-based: random sequences of receive / count / safety / reserve / adjust / release /
/// commit / sale / return / retry / time passing, run against the ledger and against a plain
/// model of the rules. After every step the two agree and the invariants hold; at the end the
/// ledger rebuilt from its own events (and from a snapshot) is identical.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class StockLedgerModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = 300, Arbitrary = [typeof(LedgerOps)])]
    public void Ledger_agrees_with_the_model_and_never_oversells(Op[] ops)
    {
        var ledger = new StockLedger("s1", "SKU-1");
        var model = new Model();
        var now = Start;
        var events = new List<InventoryEvent>();
        var firstSuccess = new Dictionary<string, StockResult>();

        foreach (var op in ops)
        {
            if (op is Op.Wait wait)
            {
                now += TimeSpan.FromSeconds(wait.Seconds);
                ledger.ExpireDue(now);
                model.Expire(now);
                events.AddRange(ledger.TakePending());
                Check(ledger, model, op);
                continue;
            }

            var availableBefore = ledger.Available;
            var expected = model.Decide(op, now);
            var actual = Run(ledger, op, now);
            events.AddRange(ledger.TakePending());

            Assert.True(expected.Code == actual.Error?.Code, $"{op}: model says {expected.Code?.ToString() ?? "ok"}, ledger says {actual.Error?.Code.ToString() ?? "ok"} ({actual.Error?.Message})");
            if (actual.Succeeded && op is Op.Reserve or Op.Sale && !expected.Replay)
            {
                Assert.True(op.Quantity <= availableBefore, $"{op} granted beyond the {availableBefore} available");
            }
            if (expected.Replay)
            {
                Assert.Equal(firstSuccess[op.IdempotencyKey], actual);
            }
            else if (actual.Succeeded && model.Remembers(op.IdempotencyKey))
            {
                firstSuccess[op.IdempotencyKey] = actual;
            }
            Check(ledger, model, op);
        }

        var replayed = new StockLedger("s1", "SKU-1");
        foreach (var e in events)
        {
            replayed.Apply(e);
        }
        AssertSame(ledger, replayed);
        AssertSame(ledger, StockLedger.FromSnapshot("s1", "SKU-1", ledger.ToSnapshot()));
    }

    private static StockResult Run(StockLedger ledger, Op op, DateTimeOffset now) => op switch
    {
        Op.Receive o => ledger.Receive(o.Id, o.Quantity, now),
        Op.Count o => ledger.SetCount(o.Id, o.Quantity, now),
        Op.Safety o => ledger.SetSafetyStock(o.Id, o.Quantity, now),
        Op.Reserve o => ledger.Reserve(o.Id, o.Quantity, TimeSpan.FromSeconds(o.TtlSeconds), "cart", now),
        Op.Adjust o => ledger.AdjustReservation(o.Id, o.ReservationId, o.Quantity, TimeSpan.FromSeconds(o.TtlSeconds), now),
        Op.Release o => ledger.Release(o.Id, now),
        Op.Commit o => ledger.Commit(o.Id, now),
        Op.Sale o => ledger.RecordSale(o.Id, o.Quantity, now),
        Op.Return o => ledger.RecordReturn(o.Id, o.Quantity, now),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static void Check(StockLedger ledger, Model model, Op op)
    {
        Assert.True(model.OnHand == ledger.OnHand, $"after {op}: on-hand {ledger.OnHand}, model {model.OnHand}");
        Assert.True(model.Reserved == ledger.Reserved, $"after {op}: reserved {ledger.Reserved}, model {model.Reserved}");
        Assert.Equal(model.SafetyStock, ledger.SafetyStock);
        Assert.Equal(Math.Max(0, model.OnHand - model.Reserved - model.SafetyStock), ledger.Available);
        Assert.True(ledger.Available >= 0);
        Assert.True(ledger.OnHand >= 0, $"after {op}: on-hand went negative");
        Assert.Equal(ledger.Holds.Sum(h => h.Quantity), ledger.Reserved);
        Assert.True(model.NextExpiry == ledger.NextExpiry, $"after {op}: next expiry {ledger.NextExpiry}, model {model.NextExpiry}");
    }

    private static void AssertSame(StockLedger expected, StockLedger actual)
    {
        Assert.Equal(expected.Level, actual.Level);
        Assert.Equal(expected.Holds.OrderBy(h => h.Id), actual.Holds.OrderBy(h => h.Id));
        Assert.Equal(expected.AppliedCount, actual.AppliedCount);
        Assert.Equal(expected.NextExpiry, actual.NextExpiry);
    }

    /// <summary>The rules, written as plainly as possible.</summary>
    private sealed class Model
    {
        private readonly Dictionary<string, (int Quantity, DateTimeOffset Expires)> _holds = [];
        private readonly Dictionary<string, string> _applied = [];
        private readonly HashSet<string> _expired = [];
        private readonly HashSet<string> _committed = [];
        private readonly HashSet<string> _released = [];

        public int OnHand { get; private set; }
        public int SafetyStock { get; private set; }
        public int Reserved => _holds.Values.Sum(h => h.Quantity);
        public DateTimeOffset? NextExpiry => _holds.Count == 0 ? null : _holds.Values.Min(h => h.Expires);
        private int Available => Math.Max(0, OnHand - Reserved - SafetyStock);

        public bool Remembers(string key) => _applied.ContainsKey(key);

        public void Expire(DateTimeOffset now)
        {
            foreach (var (id, hold) in _holds.Where(h => h.Value.Expires <= now).ToList())
            {
                _holds.Remove(id);
                _expired.Add(id);
                _applied["exp:" + id] = "expired";
            }
        }

        public (ErrorCode? Code, bool Replay) Decide(Op op, DateTimeOffset now)
        {
            if (_applied.TryGetValue(op.IdempotencyKey, out var fingerprint))
            {
                return fingerprint == op.Fingerprint ? (null, true) : (ErrorCode.CONFLICT, false);
            }
            Expire(now);
            var bad = op.Quantity is <= 0 or > Limits.MaxMovementQuantity;
            switch (op)
            {
                case Op.Receive o:
                    return bad ? (ErrorCode.INVALID_ARGUMENT, false) : Ok(o, () => OnHand += o.Quantity);
                case Op.Return o:
                    return bad ? (ErrorCode.INVALID_ARGUMENT, false) : Ok(o, () => OnHand += o.Quantity);
                case Op.Count o:
                    return o.Quantity < 0 ? (ErrorCode.INVALID_ARGUMENT, false) : Ok(o, () => OnHand = o.Quantity);
                case Op.Safety o:
                    return o.Quantity < 0 ? (ErrorCode.INVALID_ARGUMENT, false) : Ok(o, () => SafetyStock = o.Quantity);
                case Op.Sale o:
                    return bad ? (ErrorCode.INVALID_ARGUMENT, false)
                        : o.Quantity > Available ? (ErrorCode.INSUFFICIENT_STOCK, false)
                        : Ok(o, () => OnHand -= o.Quantity);
                case Op.Reserve o:
                    return bad ? (ErrorCode.INVALID_ARGUMENT, false)
                        : o.Quantity > Available ? (ErrorCode.INSUFFICIENT_STOCK, false)
                        : Ok(o, () => _holds[o.Id] = (o.Quantity, now.AddSeconds(o.TtlSeconds)));
                case Op.Adjust o:
                    if (!_holds.TryGetValue(o.ReservationId, out var held))
                    {
                        return (Ended(o.ReservationId), false);
                    }
                    return bad ? (ErrorCode.INVALID_ARGUMENT, false)
                        : o.Quantity - held.Quantity > Available ? (ErrorCode.INSUFFICIENT_STOCK, false)
                        : Ok(o, () => _holds[o.ReservationId] = (o.Quantity, now.AddSeconds(o.TtlSeconds)));
                case Op.Release o:
                    if (_holds.Remove(o.Id))
                    {
                        return Ok(o, () => _released.Add(o.Id));
                    }
                    return _expired.Contains(o.Id) ? (null, false) : (Ended(o.Id), false);
                case Op.Commit o:
                    if (!_holds.TryGetValue(o.Id, out var hold))
                    {
                        return (Ended(o.Id), false);
                    }
                    if (hold.Quantity > OnHand)
                    {
                        return (ErrorCode.INSUFFICIENT_STOCK, false);
                    }
                    return Ok(o, () =>
                    {
                        _holds.Remove(o.Id);
                        OnHand -= hold.Quantity;
                        _committed.Add(o.Id);
                    });
                default:
                    throw new ArgumentOutOfRangeException(nameof(op));
            }
        }

        private ErrorCode Ended(string id) =>
            _expired.Contains(id) ? ErrorCode.RESERVATION_EXPIRED
            : _committed.Contains(id) || _released.Contains(id) ? ErrorCode.CONFLICT
            : ErrorCode.NOT_FOUND;

        private (ErrorCode?, bool) Ok(Op op, Action apply)
        {
            apply();
            _applied[op.IdempotencyKey] = op.Fingerprint;
            return (null, false);
        }
    }

    public abstract record Op(string Id, int Quantity)
    {
        /// <summary>Ids share a namespace per kind of operation, as in the ledger.</summary>
        public virtual string IdempotencyKey => $"{GetType().Name}:{Id}";

        /// <summary>What makes a repeat the same operation rather than a clash of ids.</summary>
        public string Fingerprint => this switch
        {
            Adjust a => $"adjust:{a.ReservationId}:{a.Quantity}",
            Release or Commit => GetType().Name,
            _ => $"{GetType().Name}:{Quantity}",
        };

        public sealed record Receive(string Id, int Quantity) : Op(Id, Quantity)
        {
            public override string IdempotencyKey => $"mv:{Id}";
        }

        public sealed record Count(string Id, int Quantity) : Op(Id, Quantity)
        {
            public override string IdempotencyKey => $"mv:{Id}";
        }

        public sealed record Safety(string Id, int Quantity) : Op(Id, Quantity)
        {
            public override string IdempotencyKey => $"mv:{Id}";
        }

        public sealed record Reserve(string Id, int Quantity, int TtlSeconds) : Op(Id, Quantity);
        public sealed record Adjust(string Id, string ReservationId, int Quantity, int TtlSeconds) : Op(Id, Quantity);
        public sealed record Release(string Id) : Op(Id, 1);
        public sealed record Commit(string Id) : Op(Id, 1);
        public sealed record Sale(string Id, int Quantity) : Op(Id, Quantity);
        public sealed record Return(string Id, int Quantity) : Op(Id, Quantity);
        public sealed record Wait(int Seconds) : Op("-", 0);
    }

    public static class LedgerOps
    {
        public static Arbitrary<Op[]> Ops()
        {
            // Few ids, so retries and collisions are common; quantities around the edges.
            var quantity = Gen.Frequency((6, Gen.Choose(1, 8)), (1, Gen.Choose(-2, 0)), (1, Gen.Constant(Limits.MaxMovementQuantity + 1)));
            var count = Gen.Choose(-1, 30);
            var ttl = Gen.Choose(1, 120);
            Gen<string> Ids(string prefix) => Gen.Choose(1, 6).Select(i => $"{prefix}{i}");

            var ops = Gen.Frequency(
                (3, Ids("m").SelectMany(id => quantity, (id, q) => (Op)new Op.Receive(id, q))),
                (1, Ids("m").SelectMany(id => count, (id, n) => (Op)new Op.Count(id, n))),
                (1, Ids("m").SelectMany(id => Gen.Choose(-1, 6), (id, n) => (Op)new Op.Safety(id, n))),
                (5, Ids("r").SelectMany(id => quantity, (id, q) => (id, q)).SelectMany(x => ttl, (x, t) => (Op)new Op.Reserve(x.id, x.q, t))),
                (2, Ids("a").SelectMany(id => Ids("r"), (id, r) => (id, r)).SelectMany(x => quantity, (x, q) => (Op)new Op.Adjust(x.id, x.r, q, 60))),
                (2, Ids("r").Select(id => (Op)new Op.Release(id))),
                (2, Ids("r").Select(id => (Op)new Op.Commit(id))),
                (2, Ids("s").SelectMany(id => quantity, (id, q) => (Op)new Op.Sale(id, q))),
                (1, Ids("t").SelectMany(id => quantity, (id, q) => (Op)new Op.Return(id, q))),
                (2, Gen.Choose(1, 90).Select(s => (Op)new Op.Wait(s))));
            return Gen.ArrayOf(ops).ToArbitrary();
        }
    }
}
