using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// Wallets across the channels (issue 16): tills charge customers' stored value (chargeWallet,
/// staff tokens) and apps top up (topUpWallet, customer tokens), across <c>--customers</c>
/// (10,000) customers plus one hot customer who takes <c>--hot-share</c> (1 in 5) of the calls.
/// Some customers' apps (<c>--wallet-subscribers</c>, the hot one first) listen on
/// <c>myWalletUpdated</c>: every acknowledged version must reach them in order; the delay from
/// acknowledgement to arrival is the live figure. Afterwards every balance touched is read back
/// and must be exactly the starting top-up plus what was acknowledged.
/// </summary>
public sealed class Wallet : IScenario
{
    public const string DurableChanges = "durable wallet changes";
    public const string EventAfterAck = "myWalletUpdated event (after ack)";
    public const string Exact = "every wallet balance exactly its acknowledged changes";
    private const decimal Opening = 1000m;
    private const decimal TopUp = 1.25m;
    private const decimal Charge = 0.75m;

    private readonly ConcurrentDictionary<string, Book> _books = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<GraphQLSubscriber> _sockets = [];
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal);
    private ScenarioContext? _context;
    private string[] _customers = [];
    private IReadOnlyList<string> _stores = [];
    private int _hotShare = 5;

    public string Name => "wallet";

    public string Description => "tills chargeWallet and apps topUpWallet across many customers and one hot customer; apps live on myWalletUpdated";

    private string Hot => _customers[0];

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        _context = context;
        var network = await context.Network(cancellationToken);
        _stores = [.. network.Stores.Select(s => s.Id).Take(context.Options.Int("stores", 32))];
        _hotShare = Math.Max(1, context.Options.Int("hot-share", 5));
        var count = Math.Max(2, context.Options.Int("customers", 10_000));
        _customers = [.. Enumerable.Range(0, count).Select(i => $"wallet-{context.RunId}-{i}")];

        // Every customer starts with a balance no till can exhaust in a run, topped up by their app.
        await context.Log.WriteLineAsync($"  opening {count:N0} wallets with {Opening:0.00} each...");
        await Parallel.ForEachAsync(_customers, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (customer, ct) =>
            {
                var node = context.Node(0);
                var token = await context.Tokens.Customer(node.Node, customer);
                using var response = await node.Send(Documents.TopUpWallet, new { amount = (double)Opening, key = $"opening-{customer}" }, token, ct);
                if (Payload.ErrorCode(response.Require("topUpWallet")) is { } code)
                {
                    throw new InvalidOperationException($"topUpWallet {customer}: {code}");
                }
                _books[customer] = new Book(Opening);
            });
        await Task.WhenAll(Enumerable.Range(0, users).Select(i => context.Tokens.Staff(context.Node(i).Node, _stores[i % _stores.Count])));

        var subscribers = Math.Min(count, context.Options.Int("wallet-subscribers", 100));
        await context.Log.WriteLineAsync($"  opening {subscribers:N0} app subscriptions (myWalletUpdated), the hot customer's first");
        foreach (var customer in _customers.Take(subscribers))
        {
            _subscribed.Add(customer);
        }
        await Parallel.ForEachAsync(_customers.Take(subscribers).Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (x, ct) => await Subscribe(context, x.c, x.i, ct));
    }

    private async Task Subscribe(ScenarioContext context, string customer, int index, CancellationToken cancellationToken)
    {
        // The app listens on the node after the one its changes go through, so with two nodes every event crosses.
        var app = context.Node(index + 1);
        var token = await context.Tokens.Customer(app.Node, customer);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var socket = await GraphQLSubscriber.Connect(app.Endpoint, token, LoopbackSources.For(app.Endpoint), context.Time, cancellationToken);
        _sockets.Add(socket);
        await socket.Subscribe("wallet", Documents.MyWalletUpdated, null,
            (payload, arrived) =>
            {
                var wallet = payload.Get("data").Get("myWalletUpdated");
                if (wallet.ValueKind == JsonValueKind.Object)
                {
                    context.Subscribers.Received(customer, wallet.Long("version"), arrived);
                    first.TrySetResult();
                }
                else
                {
                    context.Subscribers.Ended(customer, $"an event without a wallet: {payload}");
                }
            },
            why =>
            {
                context.Subscribers.Ended(customer, why ?? "completed by the server");
                first.TrySetException(new InvalidOperationException($"subscription of {customer} ended: {why ?? "completed"}"));
            },
            cancellationToken);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    public IVirtualUser CreateUser(int index) => new Channel(_context!, this, index, _context!.Client(7000 + index, index), _context.Random(7000 + index));

    public async Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        var deadline = context.Time.GetTimestamp() + (10 * context.Time.TimestampFrequency);
        while (!context.Subscribers.AllDelivered() && context.Time.GetTimestamp() < deadline)
        {
            await Task.Delay(200, cancellationToken);
        }
        var extra = new WorkerRecorder();
        foreach (var delivery in context.Subscribers.Verify().Where(d => d.Measured))
        {
            var second = (int)Math.Floor(context.Time.GetElapsedTime(measured.MeasureStart, delivery.Arrived).TotalSeconds);
            extra.Latency(EventAfterAck, Math.Max(1, (long)context.Time.GetElapsedTime(delivery.Acknowledged, delivery.Arrived).TotalMicroseconds), second);
        }
        var result = measured.With(extra);
        context.Figure("durable wallet changes/s", result.PerSecond(result.Counter(DurableChanges)), "changes/s",
            "chargeWallet and topUpWallet acknowledged per second (each durable in PostgreSQL before its answer)");
        if (result.Operations.TryGetValue(EventAfterAck, out var events))
        {
            context.Figure($"wallet p99 acknowledgement-to-event delay ({_subscribed.Count} subscribers, {context.Nodes.Count} API node{(context.Nodes.Count > 1 ? "s" : "")})",
                events.Latency.GetValueAtPercentile(99) / 1000.0, "ms", "from the change's HTTP response to the app's myWalletUpdated event");
        }
        await Task.WhenAll(_sockets.Select(async s => await s.DisposeAsync()));
        await CheckBalances(context, cancellationToken);
        return result;
    }

    /// <summary>Every wallet a change touched, read back as ops: exactly the opening plus what was acknowledged (unless a call's outcome is unknown).</summary>
    private async Task CheckBalances(ScenarioContext context, CancellationToken cancellationToken)
    {
        var token = await context.Tokens.Ops(context.Node(0).Node);
        var touched = _books.Where(b => b.Value.Touched && !b.Value.Uncertain).ToList();
        // 25 aliases a request: under the API's limit on aliases (30).
        await Parallel.ForEachAsync(touched.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                var document = new StringBuilder("query Balances {");
                for (var i = 0; i < chunk.Length; i++)
                {
                    document.Append(CultureInfo.InvariantCulture, $" w{i}: customer(id: \"{chunk[i].Key}\") {{ wallet {{ balance }} }}");
                }
                document.Append(" }");
                using var response = await context.Node(0).Send(document.ToString(), null, token, ct);
                if (response.HasErrors)
                {
                    throw new InvalidOperationException($"reading wallets back: {response.ErrorCode}: {response.ErrorMessage}");
                }
                for (var i = 0; i < chunk.Length; i++)
                {
                    var (customer, book) = chunk[i];
                    var balance = (decimal)response.Data.Get($"w{i}").Get("wallet").Get("balance").GetDouble();
                    context.Invariants.Check(Exact, balance == book.Balance, () => $"{customer}: balance {balance:0.00}, acknowledged {book.Balance:0.00}");
                }
            });
    }

    /// <summary>What was acknowledged for one customer's wallet.</summary>
    private sealed class Book(decimal opening)
    {
        private decimal _balance = opening;

        public decimal Balance
        {
            get
            {
                lock (this)
                {
                    return _balance;
                }
            }
        }

        public bool Touched { get; private set; }
        public bool Uncertain { get; private set; }

        public void Acknowledged(decimal change)
        {
            lock (this)
            {
                _balance += change;
                Touched = true;
            }
        }

        public void Unknown()
        {
            Touched = true;
            Uncertain = true;
        }
    }

    /// <summary>Even users are tills (charging), odd users apps (topping up); one call in <c>--hot-share</c> is the hot customer's.</summary>
    private sealed class Channel(ScenarioContext context, Wallet wallet, int index, GraphQLClient graphql, Random random) : IVirtualUser
    {
        private readonly string _store = wallet._stores[index % wallet._stores.Count];

        public async Task Step(Step step)
        {
            var customer = random.Next(wallet._hotShare) == 0 ? wallet.Hot : wallet._customers[random.Next(wallet._customers.Length)];
            var till = index % 2 == 0;
            var (operation, document, change) = till
                ? ("chargeWallet", Documents.ChargeWallet, -Charge)
                : ("topUpWallet", Documents.TopUpWallet, TopUp);
            object variables = till
                ? new { customerId = customer, storeId = _store, amount = (double)Charge, chargeId = $"c-{context.RunId}-{Guid.NewGuid():N}" }
                : new { amount = (double)TopUp, key = $"t-{context.RunId}-{Guid.NewGuid():N}" };
            var token = till ? await context.Tokens.Staff(graphql.Node, _store) : await context.Tokens.Customer(graphql.Node, customer);
            var sent = context.Time.GetTimestamp();
            using var response = await step.Measure(operation, ct => graphql.Send(document, variables, token, ct), GraphQLResponse.ErrorOf);
            var acknowledged = context.Time.GetTimestamp();
            var book = wallet._books[customer];
            if (response is null)
            {
                book.Unknown();
                return;
            }
            var payload = response[operation];
            if (Payload.ErrorCode(payload) is { } code)
            {
                step.Refused(operation, code);
                return;
            }
            book.Acknowledged(change);
            step.Count(DurableChanges);
            if (wallet._subscribed.Contains(customer))
            {
                context.Subscribers.Acknowledged(customer, payload.Get("wallet").Long("version"), sent, acknowledged, step.Measured);
            }
        }
    }
}
