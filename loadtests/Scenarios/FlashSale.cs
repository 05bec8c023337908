using Omni.Catalog;
using Omni.Common;
using Omni.Inventory;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// The hot-SKU race: one SKU at one location with N units, every caller reserving one unit (15-minute
/// hold) until it is sold out. <see cref="Via.Grains"/> calls the inventory grain straight from Orleans
/// clients (the API is not what is measured); <see cref="Via.GraphQL"/> does the same through
/// <c>reserveStock</c>. Correct only if exactly N are granted and the grain holds exactly N.
/// </summary>
/// <param name="via">grains or GraphQL.</param>
/// <param name="soldOutEndsRun">on its own the run ends at sell-out; in a blend the buyers keep hearing "sold out".</param>
/// <param name="unitsOption">the option giving the units (<c>--units</c>; <c>--flash-units</c> in a blend).</param>
public sealed class FlashSale(FlashSale.Via via, bool soldOutEndsRun = true, string unitsOption = "units", int defaultUnits = 20_000) : IScenario
{
    public enum Via
    {
        Grains,
        GraphQL,
    }

    public const string Granted = "granted";

    private ScenarioContext? _context;
    private IClusterClient[] _grains = [];
    private string _sku = "";
    private string _store = "w1";
    private string _token = "";
    private int _units;
    private long _granted;
    private long _uncertain;

    public string Name => via == Via.Grains ? "flash-sale (grains)" : "flash-sale (GraphQL)";

    public string Description => via == Via.Grains
        ? "Orleans clients straight to one inventory grain: Reserve 1 unit each until sold out"
        : "reserveStock of 1 unit each through GraphQL on one SKU until sold out";

    private string Operation => via == Via.Grains ? "reserve (grain)" : "reserveStock";

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        _context = context;
        _units = context.Options.Int(unitsOption, defaultUnits);
        _store = context.Options.Get("store", "w1");
        _sku = $"FLASH-{context.RunId}-{(via == Via.Grains ? "G" : "Q")}";
        if (via == Via.Grains)
        {
            _grains = await context.Orleans(context.Options.Int("clients", 2), cancellationToken);
            if (await _grains[0].Ref<IProductGrain>(_sku).Define("Flash sale item", 19.99m, "EUR") is { } refused)
            {
                throw new InvalidOperationException(refused.Message);
            }
            var opening = await _grains[0].Inventory(_store, _sku).Receive($"opening-{_sku}", _units);
            if (!opening.Succeeded)
            {
                throw new InvalidOperationException(opening.Error!.Message);
            }
            await WarmUpGrains(cancellationToken);
        }
        else
        {
            _token = await context.Tokens.Ops(context.Node(0).Node);
            await Task.WhenAll(context.Nodes.Select(n => context.Tokens.Ops(n.Node)));
            await Setup.DefineProduct(context, _token, _sku, "Flash sale item", cancellationToken);
            await Setup.Receive(context, _token, _store, _sku, _units, $"opening-{_sku}", cancellationToken);
            await WarmUpGraphQL(cancellationToken);
        }
        await context.Log.WriteLineAsync($"  {Name}: {_units:N0} units of {_sku} at {_store}, {users} concurrent callers");
    }

    public IVirtualUser CreateUser(int index) => via == Via.Grains
        ? new GrainBuyer(this, _grains[index % _grains.Length].Inventory(_store, _sku), $"buyer-{index}")
        : new GraphQLBuyer(this, _context!.Client(6000 + index, index));

    public async Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        var granted = Interlocked.Read(ref _granted);
        var uncertain = Interlocked.Read(ref _uncertain);
        var final = await FinalStock(cancellationToken);
        context.Stock.Observe(final, Name);
        // Nothing else holds this SKU: what is held is exactly what was granted (give or take the
        // calls that got no answer), never more than the units, and sold out means nothing left.
        context.Invariants.Check(Invariants.ExactlyTheStockGranted,
            final is not null && final.Reserved + final.Available == _units && final.Reserved >= granted && final.Reserved <= granted + uncertain,
            () => $"{Name}: {granted:N0} granted ({uncertain:N0} without an answer) of {_units:N0}; the grain holds {final?.Reserved} with {final?.Available} available");
        await context.Log.WriteLineAsync($"  {Name}: granted {granted:N0} of {_units:N0}; the grain holds {final?.Reserved:N0}, available {final?.Available:N0}");
        context.Figure($"durable reservations/s, one SKU ({(via == Via.Grains ? "Orleans clients to the grain" : "through GraphQL")})",
            measured.PerSecond(measured.Counter(Granted)), "reservations/s",
            $"{granted:N0} granted of {_units:N0} until sold out, {measured.Elapsed.TotalSeconds:0.00} s");
        return measured;
    }

    private async Task<StockObservation?> FinalStock(CancellationToken cancellationToken)
    {
        if (via == Via.Grains)
        {
            var level = await _grains[0].Inventory(_store, _sku).GetStock();
            return new StockObservation(level.Sku, level.StoreId, level.OnHand, level.Reserved, level.SafetyStock, level.Available, level.Version);
        }
        using var response = await _context!.Node(0).Send(Documents.Stock, new { sku = _sku, storeId = _store }, _token, cancellationToken);
        return StockObservation.From(response.Require("stock"));
    }

    /// <summary>Connections, code paths and the JIT are warmed on another SKU, outside the measurement.</summary>
    private async Task WarmUpGrains(CancellationToken cancellationToken)
    {
        var sku = $"WARM-{_context!.RunId}";
        await _grains[0].Ref<IProductGrain>(sku).Define("Warm-up item", 1m, "EUR");
        await _grains[0].Inventory(_store, sku).Receive($"opening-{sku}", 2_000);
        await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (i, _) => await _grains[i % _grains.Length].Inventory(_store, sku).Reserve($"warm-{i}", 1, TimeSpan.FromMinutes(1), "warm-up"));
    }

    private async Task WarmUpGraphQL(CancellationToken cancellationToken)
    {
        var sku = $"WARMQ-{_context!.RunId}";
        await Setup.DefineProduct(_context, _token, sku, "Warm-up item", cancellationToken);
        await Setup.Receive(_context, _token, _store, sku, 2_000, $"opening-{sku}", cancellationToken);
        var buyers = Enumerable.Range(0, 64).Select(i => _context.Client(7000 + i, i)).ToArray();
        await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var buyer = buyers[i % buyers.Length];
                using var _ = await buyer.Send(Documents.ReserveStock,
                    new { storeId = _store, sku, quantity = 1, reservationId = $"warm-{_context.RunId}-{i}", ttlSeconds = 60 },
                    await _context.Tokens.Ops(buyer.Node), ct);
            });
    }

    private void Outcome(Step step, bool answered, string? refusal)
    {
        if (!answered)
        {
            Interlocked.Increment(ref _uncertain);
        }
        else if (refusal is null)
        {
            Interlocked.Increment(ref _granted);
            step.Count(Granted);
        }
        else
        {
            step.Refused(Operation, refusal);
            if (refusal == nameof(ErrorCode.INSUFFICIENT_STOCK) && soldOutEndsRun)
            {
                step.StopRun();
            }
        }
    }

    private sealed class GrainBuyer(FlashSale sale, IInventoryGrain stock, string owner) : IVirtualUser
    {
        public async Task Step(Step step)
        {
            var result = await step.Measure(sale.Operation, _ => stock.Reserve($"hold-{Guid.NewGuid():N}", 1, TimeSpan.FromMinutes(15), owner));
            sale.Outcome(step, result is not null, result?.Error?.Code.ToString());
        }
    }

    private sealed class GraphQLBuyer(FlashSale sale, GraphQLClient graphql) : IVirtualUser
    {
        public async Task Step(Step step)
        {
            var token = await sale._context!.Tokens.Ops(graphql.Node);
            using var response = await step.Measure(sale.Operation, ct => graphql.Send(Documents.ReserveStock,
                new { storeId = sale._store, sku = sale._sku, quantity = 1, reservationId = $"hold-{Guid.NewGuid():N}", ttlSeconds = 900 }, token, ct),
                GraphQLResponse.ErrorOf);
            var payload = response?["reserveStock"] ?? default;
            if (response is not null)
            {
                sale._context.Stock.Observe(StockObservation.From(payload.Get("stock")), "reserveStock");
            }
            sale.Outcome(step, response is not null, response is null ? null : Payload.ErrorCode(payload));
        }
    }
}
