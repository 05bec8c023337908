using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// Tills in the stores, each with a staff token for its own store: hold units for a customer at the
/// counter (reserveStock), then sell them (commitReservation) or give them back (releaseReservation),
/// and ring up walk-in sales (recordSale). Every unit sold is accounted for in the stock afterwards.
/// </summary>
public sealed class Pos : IScenario
{
    public const string DurableMovements = "durable stock movements";

    private ScenarioContext? _context;
    private IReadOnlyList<string> _stores = [];
    private IReadOnlyList<string> _skus = [];

    public string Name => "pos";

    public string Description => "tills at their stores: reserveStock, then commitReservation (3 in 4) or releaseReservation; walk-in recordSale";

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        _context = context;
        var network = await context.Network(cancellationToken);
        _stores = [.. network.Stores.Select(s => s.Id).Take(context.Options.Int("stores", 32))];
        if (_stores.Count == 0)
        {
            throw new InvalidOperationException("the network has no stores");
        }
        _skus = network.PickSkus(context.Random(303), context.Options.Int("pos-skus", 100));
        context.Stock.Watch(_skus);
        await Setup.Restock(context, _skus, _stores.ToHashSet(StringComparer.Ordinal), below: 10, upTo: 40, cancellationToken);
        // Tokens before the clock starts: a till signs in once.
        await Task.WhenAll(Enumerable.Range(0, users).Select(i => context.Tokens.Staff(context.Node(i).Node, _stores[i % _stores.Count])));
    }

    public IVirtualUser CreateUser(int index) =>
        new Till(_context!, _context!.Client(3000 + index, index), _stores[index % _stores.Count], _skus, _context.Random(3000 + index));

    public Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        context.Figure("durable stock movements/s (POS)", measured.PerSecond(measured.Counter(DurableMovements)), "movements/s",
            "reserveStock, commitReservation, releaseReservation and recordSale acknowledged per second");
        return Task.FromResult(measured);
    }

    private sealed class Till(ScenarioContext context, GraphQLClient graphql, string store, IReadOnlyList<string> skus, Random random) : IVirtualUser
    {
        private (string Sku, string Id, int Quantity)? _held;

        public async Task Step(Step step)
        {
            var token = await context.Tokens.Staff(graphql.Node, store);
            if (_held is { } held)
            {
                _held = null;
                if (random.Next(4) > 0)
                {
                    await Move(step, "commitReservation", Documents.CommitReservation, new { storeId = store, sku = held.Sku, reservationId = held.Id }, token, held.Sku, held.Quantity);
                }
                else
                {
                    await Move(step, "releaseReservation", Documents.ReleaseReservation, new { storeId = store, sku = held.Sku, reservationId = held.Id }, token, held.Sku, 0);
                }
                return;
            }
            var sku = skus[random.Next(skus.Count)];
            if (random.Next(10) < 6)
            {
                var quantity = random.Next(1, 3);
                var id = $"till-{context.RunId}-{Guid.NewGuid():N}";
                if (await Move(step, "reserveStock", Documents.ReserveStock, new { storeId = store, sku, quantity, reservationId = id, ttlSeconds = 300 }, token, sku, 0))
                {
                    _held = (sku, id, quantity);
                }
            }
            else
            {
                await Move(step, "recordSale", Documents.RecordSale, new { storeId = store, sku, quantity = 1, saleId = $"sale-{context.RunId}-{Guid.NewGuid():N}" }, token, sku, 1);
            }
        }

        /// <summary>One stock movement; <paramref name="sells"/> units leave on-hand when it is acknowledged.</summary>
        private async Task<bool> Move(Step step, string operation, string document, object variables, string token, string sku, int sells)
        {
            var key = new StockKey(store, sku);
            using var response = await step.Measure(operation, ct => graphql.Send(document, variables, token, ct), GraphQLResponse.ErrorOf);
            if (response is null)
            {
                if (sells > 0)
                {
                    context.Stock.MaybeSold(key, sells);
                }
                return false;
            }
            var payload = response[operation];
            context.Stock.Observe(StockObservation.From(payload.Get("stock")), operation);
            if (Payload.ErrorCode(payload) is { } code)
            {
                step.Refused(operation, code);
                return false;
            }
            if (sells > 0)
            {
                context.Stock.Sold(key, sells);
            }
            step.Count(DurableMovements);
            return true;
        }
    }
}
