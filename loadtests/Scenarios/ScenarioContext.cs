using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>A figure a scenario measured (e.g. "durable cart mutations/s"), for the report and the targets.</summary>
public sealed record Figure(string Name, double Value, string Unit, string? Note = null);

/// <summary>
/// What the phases of one run share: the target and its clients, the profile, the seed, and the
/// ledgers every invariant is checked against.
/// </summary>
public sealed class ScenarioContext : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];
    private readonly List<IHost> _orleans = [];
    private readonly List<HttpClient> _clients = [];
    private readonly GraphQLClient[] _readers;
    private Task<Network>? _network;

    public ScenarioContext(Options options, Target target, LoadProfile profile, TextWriter log, TimeProvider time)
    {
        Options = options;
        Target = target;
        Profile = profile;
        Log = log;
        Time = time;
        Invariants = new Invariants();
        Stock = new StockAccounting(Invariants);
        Carts = new CartLedger(Invariants);
        Subscribers = new SubscriberLedger(Invariants);
        Http = GraphQLClient.CreateHttpClient(options.Seconds("timeout", 30));
        Nodes = [.. target.GraphQL.Select(endpoint => new GraphQLClient(Http, endpoint))];
        Tokens = new DevTokens(Http);
        _readers = [.. Enumerable.Range(0, 16).Select(i => Client(i))];
        RunId = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMddHHmmss}{System.Random.Shared.Next(0x10000):x4}");
    }

    public Options Options { get; }
    public Target Target { get; }
    public LoadProfile Profile { get; }
    public TextWriter Log { get; }
    public TimeProvider Time { get; }

    /// <summary>Unique per run: ids the run makes (customers, reservations, SKUs) carry it.</summary>
    public string RunId { get; }

    public Invariants Invariants { get; }
    public StockAccounting Stock { get; }
    public CartLedger Carts { get; }
    public SubscriberLedger Subscribers { get; }
    public HttpClient Http { get; }
    public IReadOnlyList<GraphQLClient> Nodes { get; }
    public DevTokens Tokens { get; }

    public IReadOnlyList<Figure> Figures
    {
        get
        {
            lock (_lock)
            {
                return [.. _figures];
            }
        }
    }

    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_lock)
            {
                return [.. _notes];
            }
        }
    }

    /// <summary>The API node at <paramref name="index"/> (round robin over the nodes given).</summary>
    public GraphQLClient Node(int index) =>
        Nodes.Count > 0 ? Nodes[index % Nodes.Count] : throw new ArgumentException("this scenario needs a GraphQL endpoint: run ./omni up or pass --url");

    /// <summary>
    /// A GraphQL client of its own for one simulated device, on node <paramref name="node"/> (round robin),
    /// connecting from an address of its own (see <see cref="LoopbackSources"/>).
    /// </summary>
    public GraphQLClient Client(int device, int? node = null)
    {
        var endpoint = Node(node ?? device).Endpoint;
        var http = LoopbackSources.HttpClient(endpoint, Http.Timeout);
        lock (_lock)
        {
            _clients.Add(http);
        }
        return new GraphQLClient(http, endpoint);
    }

    /// <summary>A random source for one purpose: the same seed and salt give the same choices on every run.</summary>
    public Random Random(int salt) => new(unchecked((Profile.Seed * 7919) + salt));

    public Task<Network> Network(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _network ??= Scenarios.Network.Load(Node(0), cancellationToken);
        }
    }

    /// <summary>Orleans clients of the cluster (each its own connection to the gateways).</summary>
    public async Task<IClusterClient[]> Orleans(int count, CancellationToken cancellationToken)
    {
        var hosts = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Target.ConnectOrleans(cancellationToken)));
        lock (_lock)
        {
            _orleans.AddRange(hosts);
        }
        return [.. hosts.Select(h => h.Services.GetRequiredService<IClusterClient>())];
    }

    public void Figure(string name, double value, string unit, string? note = null)
    {
        lock (_lock)
        {
            _figures.RemoveAll(f => f.Name == name);
            _figures.Add(new Figure(name, value, unit, note));
        }
    }

    public void Note(string note)
    {
        lock (_lock)
        {
            _notes.Add(note);
        }
        Log.WriteLine($"  note: {note}");
    }

    /// <summary>
    /// Every location's level of <paramref name="skus"/>, through <c>availabilities</c>. Read twice until
    /// two reads agree, so a report still on its way from an inventory grain to the network view is waited for.
    /// </summary>
    public async Task<IReadOnlyDictionary<StockKey, StockObservation>> ReadStock(IReadOnlyCollection<string> skus, bool settle, CancellationToken cancellationToken)
    {
        var previous = await ReadStockOnce(skus, cancellationToken);
        if (!settle)
        {
            return previous;
        }
        for (var attempt = 0; attempt < 30; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var current = await ReadStockOnce(skus, cancellationToken);
            if (current.Count == previous.Count && current.All(p => previous.TryGetValue(p.Key, out var o) && o == p.Value))
            {
                return current;
            }
            previous = current;
        }
        Note("stock levels kept changing for 15 s after the run (someone else is using these SKUs?): checked against the last read");
        return previous;
    }

    private async Task<Dictionary<StockKey, StockObservation>> ReadStockOnce(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        var levels = new Dictionary<StockKey, StockObservation>();
        var lockLevels = new Lock();
        await Parallel.ForEachAsync(skus.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                using var response = await Reader(chunk[0]).Send(Documents.Availabilities, new { skus = chunk }, cancellationToken: ct);
                foreach (var availability in response.Require("availabilities").EnumerateArray())
                {
                    foreach (var level in availability.Get("locations").EnumerateArray())
                    {
                        if (StockObservation.From(level) is { } observed)
                        {
                            Stock.Observe(observed, "availabilities");
                            lock (lockLevels)
                            {
                                levels[observed.Key] = observed;
                            }
                        }
                    }
                }
            });
        return levels;
    }

    /// <summary>
    /// The checks after every phase: each cart and order the run acknowledged reads as acknowledged
    /// (with an ops token, which may read any), and the stock of every watched SKU moved exactly as
    /// the acknowledged sales say, with nothing oversold.
    /// </summary>
    public async Task VerifyCartsAndStock(IReadOnlyDictionary<StockKey, StockObservation>? before, CancellationToken cancellationToken)
    {
        if (Carts.Count > 0)
        {
            var ops = await Tokens.Ops(Node(0).Node);
            await Log.WriteLineAsync($"  reading back {Carts.Count:N0} carts and their orders...");
            await Carts.Verify(id => ReadCart(id, ops), id => ReadOrder(id, ops), 16, cancellationToken);
        }
        if (before is not null)
        {
            await Log.WriteLineAsync($"  reading back the stock of {Stock.WatchedSkus.Count:N0} SKUs at every location...");
            var after = await ReadStock(Stock.WatchedSkus, settle: true, cancellationToken);
            Stock.Verify(before, after);
        }
    }

    /// <summary>Reads a cart through GraphQL (for the ledger's final check).</summary>
    public async Task<CartSnapshot?> ReadCart(string cartId, string? token)
    {
        using var response = await Reader(cartId).Send(Documents.Cart, new { id = cartId }, token);
        return CartSnapshot.From(response.Require("cart"));
    }

    public async Task<CartSnapshot?> ReadOrder(string orderId, string? token)
    {
        using var response = await Reader(orderId).Send(Documents.Order, new { id = orderId }, token);
        var order = response.Require("order");
        return order.ValueKind != JsonValueKind.Object
            ? null
            : new CartSnapshot(orderId, 0, true, [.. order.Get("lines").EnumerateArray().Select(l => new CartLineSnapshot("", l.String("sku")!, l.Int("quantity"), l.String("storeId")))]);
    }

    /// <summary>One of a few clients (each its own address) the checks read with, so reading back is not one client's burst.</summary>
    private GraphQLClient Reader(string key) => _readers[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % _readers.Length)];

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _orleans)
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        Http.Dispose();
    }
}
