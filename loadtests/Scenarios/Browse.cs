using System.Text.Json;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// Shoppers browsing: a page of 20-50 products, the availability of exactly those SKUs, and now and
/// then the nearest stores with one of them in stock. Read-only; every availability it reads is checked
/// (levels consistent, nothing held beyond on-hand, online and total sums right).
/// </summary>
public sealed class Browse : IScenario
{
    public const string SkuReads = "availability SKU reads";

    private ScenarioContext? _context;
    private Network? _network;

    public string Name => "browse";

    public string Description => "product pages of 20-50, availabilities of those SKUs, nearestStoresWithStock for one in two pages";

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        _context = context;
        _network = await context.Network(cancellationToken);
    }

    public IVirtualUser CreateUser(int index) => new Shopper(_context!, _network!, _context!.Random(index), _context.Client(index));

    public Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        var browsing = measured.Operations.Where(o => o.Key is "products" or "availabilities" or "nearestStoresWithStock").Sum(o => o.Value.Count);
        context.Figure("browse requests/s", measured.PerSecond(browsing), "requests/s");
        context.Figure("availability SKU reads/s (in availabilities of 20-50)", measured.PerSecond(measured.Counter(SkuReads)), "SKUs/s");
        if (measured.Operations.TryGetValue("availabilities", out var availabilities))
        {
            context.Figure("availabilities requests/s", measured.PerSecond(availabilities.Count), "requests/s");
        }
        return Task.FromResult(measured);
    }

    private sealed class Shopper(ScenarioContext context, Network network, Random random, GraphQLClient graphql) : IVirtualUser
    {
        private readonly GraphQLClient _graphql = graphql;
        private IReadOnlyList<string> _page = [];
        private int _next;

        public async Task Step(Step step)
        {
            switch (_next)
            {
                case 0:
                    await Products(step);
                    break;
                case 1:
                    await Availabilities(step);
                    break;
                default:
                    await Nearest(step);
                    break;
            }
            // page -> availabilities -> (one page in two) nearest stores -> next page
            _next = _next switch
            {
                0 => _page.Count > 0 ? 1 : 0,
                1 => random.Next(2) == 0 ? 2 : 0,
                _ => 0,
            };
        }

        private async Task Products(Step step)
        {
            var size = random.Next(20, 51);
            var after = network.Skus[random.Next(Math.Max(1, network.Skus.Count - size))];
            using var response = await step.Measure("products",
                ct => _graphql.Send(Documents.Products, new { first = size, after }, cancellationToken: ct), GraphQLResponse.ErrorOf);
            _page = response is null ? [] : [.. response["products"].EnumerateArray().Select(p => p.String("sku")!)];
        }

        private async Task Availabilities(Step step)
        {
            using var response = await step.Measure("availabilities",
                ct => _graphql.Send(Documents.Availabilities, new { skus = _page }, cancellationToken: ct), GraphQLResponse.ErrorOf);
            if (response is null)
            {
                return;
            }
            step.Count(SkuReads, _page.Count);
            foreach (var availability in response["availabilities"].EnumerateArray())
            {
                CheckAvailability(availability);
            }
        }

        private async Task Nearest(Step step)
        {
            var near = network.Locations[random.Next(network.Locations.Count)];
            var sku = _page[random.Next(_page.Count)];
            using var response = await step.Measure("nearestStoresWithStock",
                ct => _graphql.Send(Documents.NearestStoresWithStock,
                    new { sku, quantity = 1, latitude = near.Latitude + ((random.NextDouble() - 0.5) * 0.2), longitude = near.Longitude + ((random.NextDouble() - 0.5) * 0.2) },
                    cancellationToken: ct),
                GraphQLResponse.ErrorOf);
            if (response is null)
            {
                return;
            }
            var distances = response["nearestStoresWithStock"].EnumerateArray()
                .Select(s => (Available: s.Int("available"), Distance: s.Get("distanceKm").ValueKind == JsonValueKind.Number ? s.Get("distanceKm").GetDouble() : 0))
                .ToList();
            context.Invariants.Check(Invariants.StockLevelsConsistent,
                distances.All(d => d.Available >= 1) && distances.Zip(distances.Skip(1)).All(p => p.First.Distance <= p.Second.Distance),
                () => $"nearestStoresWithStock({sku}) returned a store without stock or out of distance order: {string.Join(", ", distances)}");
        }

        private void CheckAvailability(JsonElement availability)
        {
            var sku = availability.String("sku");
            var total = 0;
            var online = 0;
            foreach (var level in availability.Get("locations").EnumerateArray())
            {
                var observed = StockObservation.From(level);
                context.Stock.Observe(observed, "availabilities");
                total += observed!.Available;
                if (network.ShipsOnline.Contains(observed.StoreId))
                {
                    online += observed.Available;
                }
            }
            context.Invariants.Check(Invariants.StockLevelsConsistent,
                availability.Int("totalAvailable") == total && availability.Int("onlineAvailable") == online,
                () => $"availability({sku}): totalAvailable {availability.Int("totalAvailable")} (locations sum to {total}), onlineAvailable {availability.Int("onlineAvailable")} (shipping locations sum to {online})");
        }
    }
}
