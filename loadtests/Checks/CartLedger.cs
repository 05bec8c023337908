using System.Collections.Concurrent;
using System.Text.Json;
using Omni.LoadTests.GraphQL;

namespace Omni.LoadTests.Checks;

/// <summary>A cart as a response showed it: the parts the ledger compares.</summary>
public sealed record CartSnapshot(string Id, long Version, bool CheckedOut, IReadOnlyList<CartLineSnapshot> Lines)
{
    public static CartSnapshot? From(JsonElement cart) =>
        cart.ValueKind != JsonValueKind.Object
            ? null
            : new CartSnapshot(cart.String("id") ?? "", cart.Long("version"), cart.Get("checkedOut").ValueKind == JsonValueKind.True,
                cart.Get("lines").ValueKind == JsonValueKind.Array
                    ? [.. cart.Get("lines").EnumerateArray().Select(l => new CartLineSnapshot(l.String("id") ?? "", l.String("sku") ?? "", l.Int("quantity"), l.String("storeId")))]
                    : []);

    public string Describe() => $"v{Version}{(CheckedOut ? " checked out" : "")} [{string.Join(", ", Lines.Select(l => $"{l.Id}:{l.Sku}x{l.Quantity}@{l.StoreId}"))}]";

    public bool SameLines(CartSnapshot other) =>
        Lines.Count == other.Lines.Count
        && Lines.OrderBy(l => l.Id, StringComparer.Ordinal).SequenceEqual(other.Lines.OrderBy(l => l.Id, StringComparer.Ordinal));
}

public sealed record CartLineSnapshot(string Id, string Sku, int Quantity, string? StoreId);

/// <summary>
/// The last acknowledged state of every cart a run changed. Each cart has one writer in a run, so
/// acknowledged versions must rise, and afterwards the cart must read exactly as last acknowledged
/// (or newer, when the writer's last call got no answer).
/// </summary>
public sealed class CartLedger(Invariants invariants)
{
    private readonly ConcurrentDictionary<string, Entry> _carts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CartSnapshot> _orders = new(StringComparer.Ordinal);

    public int Count => _carts.Count;

    public void Acknowledged(CartSnapshot cart)
    {
        var entry = _carts.GetOrAdd(cart.Id, _ => new Entry());
        lock (entry)
        {
            if (entry.Last is { } last)
            {
                invariants.Check(Invariants.AcknowledgedChangesVisible, cart.Version > last.Version,
                    () => $"cart {cart.Id}: acknowledged {cart.Describe()} after {last.Describe()}: versions must rise");
            }
            if (entry.Last is null || cart.Version > entry.Last.Version)
            {
                entry.Last = cart;
            }
            entry.Uncertain = false;
        }
    }

    /// <summary>A change to the cart got no answer: it may or may not have happened.</summary>
    public void Uncertain(string cartId)
    {
        var entry = _carts.GetOrAdd(cartId, _ => new Entry());
        lock (entry)
        {
            entry.Uncertain = true;
        }
    }

    /// <summary>A checkout of <paramref name="cartId"/> was acknowledged with this order (its lines, as a snapshot keyed by the order id).</summary>
    public void Ordered(string cartId, string orderId, CartSnapshot orderLines)
    {
        _orders[orderId] = orderLines;
        var entry = _carts.GetOrAdd(cartId, _ => new Entry());
        lock (entry)
        {
            entry.CheckedOut = true;
        }
    }

    public async Task Verify(Func<string, Task<CartSnapshot?>> readCart, Func<string, Task<CartSnapshot?>> readOrder, int parallelism,
        CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(_carts, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (pair, _) =>
            {
                var (id, entry) = pair;
                if (entry.Last is not { } acknowledged)
                {
                    return;
                }
                var now = await readCart(id);
                Compare(id, acknowledged, entry.Uncertain, entry.CheckedOut, now);
            });
        await Parallel.ForEachAsync(_orders, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (pair, _) =>
            {
                var order = await readOrder(pair.Key);
                invariants.Check(Invariants.AcknowledgedChangesVisible,
                    order is not null && SameOrderLines(order, pair.Value),
                    () => $"order {pair.Key}: acknowledged with {pair.Value.Describe()}, reads {order?.Describe() ?? "missing"}");
            });
    }

    /// <summary>The check for one cart (public for the runner's tests).</summary>
    public void Compare(string id, CartSnapshot acknowledged, bool uncertain, bool checkedOut, CartSnapshot? now)
    {
        if (now is null)
        {
            invariants.Violated(Invariants.AcknowledgedChangesVisible, $"cart {id}: acknowledged {acknowledged.Describe()}, now missing");
            return;
        }
        var holds = checkedOut ? now.CheckedOut && now.Version >= acknowledged.Version
            : uncertain ? now.Version >= acknowledged.Version
            : now.Version == acknowledged.Version && now.CheckedOut == acknowledged.CheckedOut && now.SameLines(acknowledged);
        invariants.Check(Invariants.AcknowledgedChangesVisible, holds,
            () => $"cart {id}: acknowledged {acknowledged.Describe()}{(checkedOut ? " and checked out" : uncertain ? " (a later change got no answer)" : "")}, reads {now.Describe()}");
    }

    private static bool SameOrderLines(CartSnapshot a, CartSnapshot b) =>
        a.Lines.Select(l => (l.Sku, l.Quantity, l.StoreId)).Order().SequenceEqual(b.Lines.Select(l => (l.Sku, l.Quantity, l.StoreId)).Order());

    private sealed class Entry
    {
        public CartSnapshot? Last { get; set; }
        public bool Uncertain { get; set; }
        public bool CheckedOut { get; set; }
    }
}
