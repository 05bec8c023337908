using System.Collections.Concurrent;
using System.Text.Json;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// The live cart: N signed-in customers each have the app open on <c>myCartUpdated</c> (a WebSocket
/// of its own, from an address of its own) while their web session changes the cart. With two API
/// nodes the app listens on one node and the web side mutates through the other, so every event
/// crosses nodes. Measured on the subscriber: the delay from the mutation's acknowledgement to the
/// event's arrival. Every subscriber must receive every acknowledged version, in order.
/// </summary>
public sealed class Live : IScenario
{
    public const string EventAfterAck = "myCartUpdated event (after ack)";
    public const string EventAfterSend = "myCartUpdated event (after send)";
    public const string WebMutations = "live web mutations";

    private readonly int _defaultSubscribers;
    private readonly ConcurrentBag<GraphQLSubscriber> _sockets = [];
    private ScenarioContext? _context;
    private Customer[] _customers = [];
    private IReadOnlyList<string> _skus = [];
    private int _users = 1;

    public Live(int defaultSubscribers = 1000) => _defaultSubscribers = defaultSubscribers;

    public string Name => "live";

    public string Description => "app subscribers on myCartUpdated while the web session changes their carts (addCartLine, setCartLineQuantity, removeCartLine)";

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        _context = context;
        var network = await context.Network(cancellationToken);
        _skus = network.PickSkus(context.Random(505), context.Options.Int("live-skus", 200));
        context.Stock.Watch(_skus);
        await Setup.Restock(context, _skus, network.ShipsOnline, below: 50, upTo: 200, cancellationToken);

        // Every web user needs a cart of its own to change.
        var count = Math.Max(users, context.Options.Int("subscribers", _defaultSubscribers));
        _users = users;
        var nodes = context.Nodes.Count;
        await context.Log.WriteLineAsync($"  opening {count:N0} app subscriptions (myCartUpdated) on {(nodes > 1 ? "node 2, web mutations through node 1 (and the other way round)" : "one API node")}...");
        _customers = new Customer[count];
        var ready = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                _customers[i] = await Connect(context, i, ct);
                if (Interlocked.Increment(ref ready) % 250 == 0)
                {
                    await context.Log.WriteLineAsync($"    {ready:N0} subscribers live");
                }
            });
    }

    /// <summary>A customer's web session (through one node) and app subscription (on the next node), live once the first state arrived.</summary>
    private async Task<Customer> Connect(ScenarioContext context, int index, CancellationToken cancellationToken)
    {
        var customerId = $"live-{context.RunId}-{index}";
        var web = context.Node(index + 1);
        var app = context.Node(index);
        var webToken = await context.Tokens.Customer(web.Node, customerId);
        var appToken = await context.Tokens.Customer(app.Node, customerId);

        using var started = await web.Send(Documents.StartSession, new { channel = "WEB" }, webToken, cancellationToken);
        var session = started.Require("startSession").Get("session");
        var customer = new Customer(customerId, session.String("id")!, session.String("cartId")!, index + 1, webToken);

        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var socket = await GraphQLSubscriber.Connect(app.Endpoint, appToken, LoopbackSources.For(app.Endpoint), context.Time, cancellationToken);
        _sockets.Add(socket);
        await socket.Subscribe("cart", Documents.MyCartUpdated, null,
            (payload, arrived) =>
            {
                var cart = payload.Get("data").Get("myCartUpdated");
                if (cart.ValueKind == JsonValueKind.Object)
                {
                    context.Subscribers.Received(customerId, cart.Long("version"), arrived);
                    first.TrySetResult();
                }
                else
                {
                    context.Subscribers.Ended(customerId, $"an event without a cart: {payload}");
                }
            },
            why =>
            {
                context.Subscribers.Ended(customerId, why ?? "completed by the server");
                first.TrySetException(new InvalidOperationException($"subscription of {customerId} ended: {why ?? "completed"}"));
            },
            cancellationToken);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return customer;
    }

    public IVirtualUser CreateUser(int index) => new WebSide(_context!, this, index, _context!.Random(5000 + index));

    public async Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        // Events still on their way are waited for (up to 10 s), then every feed is checked.
        var deadline = context.Time.GetTimestamp() + (10 * context.Time.TimestampFrequency);
        while (!context.Subscribers.AllDelivered() && context.Time.GetTimestamp() < deadline)
        {
            await Task.Delay(200, cancellationToken);
        }
        var deliveries = context.Subscribers.Verify();

        var extra = new WorkerRecorder();
        foreach (var delivery in deliveries.Where(d => d.Measured))
        {
            var second = (int)Math.Floor(context.Time.GetElapsedTime(measured.MeasureStart, delivery.Arrived).TotalSeconds);
            extra.Latency(EventAfterAck, Math.Max(1, (long)context.Time.GetElapsedTime(delivery.Acknowledged, delivery.Arrived).TotalMicroseconds), second);
            extra.Latency(EventAfterSend, (long)context.Time.GetElapsedTime(delivery.Sent, delivery.Arrived).TotalMicroseconds, second);
            if (delivery.Arrived < delivery.Acknowledged)
            {
                extra.Count("events that arrived before the mutation's response");
            }
        }
        var result = measured.With(extra);
        var nodes = $"{_customers.Length:N0} subscribers, {context.Nodes.Count} API node{(context.Nodes.Count > 1 ? "s" : "")}";
        if (result.Operations.TryGetValue(EventAfterSend, out var events))
        {
            context.Figure($"live p99 mutation-to-event delay ({nodes})", events.Latency.GetValueAtPercentile(99) / 1000.0, "ms",
                "from sending the web mutation to the event's arrival on the app's WebSocket: the durable write, the publication and the push");
            context.Figure("live events delivered/s", result.PerSecond(events.Count), "events/s");
        }
        if (result.Operations.TryGetValue(EventAfterAck, out var afterAck))
        {
            context.Figure($"live p99 acknowledgement-to-event delay ({nodes})", afterAck.Latency.GetValueAtPercentile(99) / 1000.0, "ms",
                "from the mutation's HTTP response to the event's arrival: the push alone (an event that beat the response counts as 0)");
        }
        context.Figure("live subscribers", _customers.Length, "subscriptions");
        await Task.WhenAll(_sockets.Select(async s => await s.DisposeAsync()));
        return result;
    }

    /// <param name="WebNode">the node the web side mutates through (the app listens on the one before it).</param>
    private sealed record Customer(string Id, string SessionId, string CartId, int WebNode, string WebToken)
    {
        public CartSnapshot? Last { get; set; }
    }

    /// <summary>One mutating web user: changes its customers' carts in turn, one change per step.</summary>
    private sealed class WebSide(ScenarioContext context, Live live, int index, Random random) : IVirtualUser
    {
        private readonly GraphQLClient[] _nodes = [.. Enumerable.Range(0, context.Nodes.Count).Select(n => context.Client(5000 + index, n))];
        private int _turn;

        public async Task Step(Step step)
        {
            // User j changes customers j, j + users, j + 2 users...: each cart has exactly one writer.
            var customers = live._customers;
            var users = live._users;
            var mine = (customers.Length - index + users - 1) / users;
            var customer = customers[index + (_turn++ % mine * users)];
            var lines = customer.Last?.Lines ?? [];
            string operation;
            object variables;
            if (lines.Count < 3 && random.Next(3) > 0 || lines.Count == 0)
            {
                (operation, variables) = ("addCartLine", new { cartId = customer.CartId, sku = live._skus[random.Next(live._skus.Count)], quantity = 1, fulfillment = new { kind = "SHIP" }, sessionId = customer.SessionId });
            }
            else if (random.Next(2) == 0)
            {
                (operation, variables) = ("setCartLineQuantity", new { cartId = customer.CartId, lineId = lines[random.Next(lines.Count)].Id, quantity = random.Next(1, 4), sessionId = customer.SessionId });
            }
            else
            {
                (operation, variables) = ("removeCartLine", new { cartId = customer.CartId, lineId = lines[random.Next(lines.Count)].Id, sessionId = customer.SessionId });
            }
            var document = operation switch
            {
                "addCartLine" => Documents.AddCartLine,
                "setCartLineQuantity" => Documents.SetCartLineQuantity,
                _ => Documents.RemoveCartLine,
            };
            var sent = context.Time.GetTimestamp();
            var web = _nodes[customer.WebNode % _nodes.Length];
            using var response = await step.Measure(operation, ct => web.Send(document, variables, customer.WebToken, ct), GraphQLResponse.ErrorOf);
            var acknowledged = context.Time.GetTimestamp();
            if (response is null)
            {
                context.Carts.Uncertain(customer.CartId);
                return;
            }
            var payload = response[operation];
            if (Payload.ErrorCode(payload) is { } code)
            {
                step.Refused(operation, code);
                return;
            }
            if (Cart.Acknowledge(context, payload) is { } cart)
            {
                customer.Last = cart;
                context.Subscribers.Acknowledged(customer.Id, cart.Version, sent, acknowledged, step.Measured);
                step.Count(WebMutations);
            }
        }
    }
}
