using System.Text.Json;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// Shoppers on the web and in the app: a session with an anonymous cart, lines added (shipped, or
/// picked up at a store) with holds, quantities changed, lines removed, the cart looked at, and a
/// checkout now and then, after which the device starts over. Each cart has one device; every
/// acknowledged cart is read back afterwards, every order too, and every unit checked out is
/// accounted for in the stock.
/// </summary>
public sealed class Cart : IScenario
{
    public const string DurableMutations = "durable cart mutations";

    private ScenarioContext? _context;
    private Network? _network;
    private IReadOnlyList<string> _skus = [];

    public string Name => "cart";

    public string Description =>
        "WEB and APP sessions: addCartLine (SHIP or PICKUP) with holds, setCartLineQuantity, removeCartLine, cart, checkout";

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        _context = context;
        _network = await context.Network(cancellationToken);
        _skus = _network.PickSkus(context.Random(101), context.Options.Int("skus", 300));
        context.Stock.Watch(_skus);
        await Setup.Restock(context, _skus, _network.ShipsOnline, below: 50, upTo: 200, cancellationToken);
    }

    public IVirtualUser CreateUser(int index) =>
        new Shopper(_context!, _network!, _skus, index % 2 == 0 ? "WEB" : "APP", _context!.Random(2000 + index), _context.Client(2000 + index, index));

    /// <summary>Figures only: the carts and orders are read back once for all phases (<see cref="ScenarioContext.VerifyCartsAndStock"/>).</summary>
    public Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        context.Figure("durable cart mutations/s", measured.PerSecond(measured.Counter(DurableMutations)), "mutations/s",
            "addCartLine, setCartLineQuantity, removeCartLine and checkout acknowledged (durable) per second");
        return Task.FromResult(measured);
    }

    /// <summary>Books an acknowledged cart change: the ledger, and (for checkouts) the units sold.</summary>
    internal static CartSnapshot? Acknowledge(ScenarioContext context, JsonElement payload)
    {
        var cart = CartSnapshot.From(payload.Get("cart"));
        if (cart is not null)
        {
            context.Carts.Acknowledged(cart);
        }
        return cart;
    }

    private sealed class Shopper(ScenarioContext context, Network network, IReadOnlyList<string> skus, string channel, Random random, GraphQLClient graphql)
        : IVirtualUser
    {
        private readonly GraphQLClient _graphql = graphql;
        private string? _session;
        private string? _cart;
        private CartSnapshot? _last;
        private int _changes;

        public async Task Step(Step step)
        {
            if (_cart is null)
            {
                await StartSession(step);
                return;
            }
            var lines = _last?.Lines ?? [];
            var roll = random.Next(100);
            if (lines.Count == 0 || (roll < 35 && lines.Count < 6))
            {
                await AddLine(step);
            }
            else if (roll < 60)
            {
                var line = lines[random.Next(lines.Count)];
                await Change(step, "setCartLineQuantity", Documents.SetCartLineQuantity, new { cartId = _cart, lineId = line.Id, quantity = random.Next(1, 4), sessionId = _session });
            }
            else if (roll < 75)
            {
                var line = lines[random.Next(lines.Count)];
                await Change(step, "removeCartLine", Documents.RemoveCartLine, new { cartId = _cart, lineId = line.Id, sessionId = _session });
            }
            else if (roll < 85 || _changes < 4)
            {
                using var response = await step.Measure("cart", ct => _graphql.Send(Documents.Cart, new { id = _cart }, cancellationToken: ct), GraphQLResponse.ErrorOf);
            }
            else
            {
                await Checkout(step);
            }
        }

        private async Task StartSession(Step step)
        {
            using var response = await step.Measure("startSession",
                ct => _graphql.Send(Documents.StartSession, new { channel }, cancellationToken: ct), GraphQLResponse.ErrorOf);
            var session = response?["startSession"].Get("session");
            if (session is { ValueKind: JsonValueKind.Object } s)
            {
                _session = s.String("id");
                _cart = s.String("cartId");
                _last = null;
                _changes = 0;
            }
        }

        private Task AddLine(Step step)
        {
            var sku = skus[random.Next(skus.Count)];
            object fulfillment = random.Next(4) == 0
                ? new { kind = "PICKUP", storeId = network.PickupStores[random.Next(network.PickupStores.Count)].Id }
                : new { kind = "SHIP" };
            return Change(step, "addCartLine", Documents.AddCartLine, new { cartId = _cart, sku, quantity = random.Next(1, 3), fulfillment, sessionId = _session });
        }

        private async Task Change(Step step, string operation, string document, object variables)
        {
            using var response = await step.Measure(operation, ct => _graphql.Send(document, variables, cancellationToken: ct), GraphQLResponse.ErrorOf);
            if (response is null)
            {
                context.Carts.Uncertain(_cart!);
                return;
            }
            var payload = response[operation];
            if (Payload.ErrorCode(payload) is { } code)
            {
                step.Refused(operation, code);
                return;
            }
            _last = Acknowledge(context, payload) ?? _last;
            _changes++;
            step.Count(DurableMutations);
        }

        private async Task Checkout(Step step)
        {
            var lines = _last!.Lines;
            using var response = await step.Measure("checkout",
                ct => _graphql.Send(Documents.Checkout, new { cartId = _cart, idempotencyKey = $"{context.RunId}-{Guid.NewGuid():N}" }, cancellationToken: ct),
                GraphQLResponse.ErrorOf);
            if (response is null)
            {
                // It may have gone through: its units may be sold, and the cart may be closed.
                context.Carts.Uncertain(_cart!);
                foreach (var line in lines)
                {
                    context.Stock.MaybeSold(new StockKey(line.StoreId ?? "", line.Sku), line.Quantity);
                }
                _cart = null;
                return;
            }
            var payload = response["checkout"];
            if (Payload.ErrorCode(payload) is { } code)
            {
                step.Refused("checkout", code);
                return;
            }
            var order = payload.Get("order");
            var orderLines = order.Get("lines").EnumerateArray()
                .Select(l => new CartLineSnapshot("", l.String("sku")!, l.Int("quantity"), l.String("storeId")))
                .ToList();
            foreach (var line in orderLines)
            {
                context.Stock.Sold(new StockKey(line.StoreId!, line.Sku), line.Quantity);
            }
            context.Carts.Ordered(_cart!, order.String("id")!, new CartSnapshot(order.String("id")!, 0, true, orderLines));
            Acknowledge(context, payload);
            step.Count(DurableMutations);
            _cart = null;
        }
    }
}
