using Omni.LoadTests.Ceilings;
using Omni.LoadTests.Report;

namespace Omni.LoadTests.Scenarios;

/// <summary>A runnable scenario: its phases, the ceilings measured beside it, the targets it checks, and its defaults.</summary>
public sealed record ScenarioDefinition(
    string Name,
    string Summary,
    Func<Options, IReadOnlyList<IScenario>> Phases,
    Func<Options, IReadOnlyList<Ceiling>> Ceilings,
    Func<ScenarioContext, IReadOnlyList<TargetSpec>> Targets,
    int Users,
    double Duration,
    double WarmUp);

public static class ScenarioCatalog
{
    public const string BrowseTarget = "availability(sku) through GraphQL >= 80% of the bare endpoint (same concurrency; issue 13)";
    public const string CartTarget = "durable cart mutations through GraphQL >= 70% of pgbench simple-update (same concurrency)";
    public const string FlashTarget = "flash sale: >= 5,000 durable reservations/s on one SKU, exactly the stock granted";

    public static IReadOnlyList<ScenarioDefinition> All { get; } =
    [
        new("browse", "product pages, availabilities of 20-50 SKUs, nearestStoresWithStock (GraphQL over HTTP)",
            _ => [new Browse()],
            _ => [Loops.GraphQLAvailability(), Loops.BareAvailability(), Loops.OrleansAvailability()],
            _ =>
            [
                new(BrowseTarget, "GraphQL availability(sku)", "bare GET /bench/availability", TargetRule.RatioAtLeast, 0.8),
                new("availability SKU reads in the browse mix (20-50 per request) vs the bare endpoint's single-SKU reads",
                    "availability SKU reads/s", "bare GET /bench/availability", TargetRule.Ratio),
                new("bare endpoint vs raw Orleans client (what ASP.NET Core and HTTP cost)", "bare GET /bench/availability",
                    "Orleans ISkuGrain.GetAvailability", TargetRule.Ratio),
            ],
            Users: 32, Duration: 30, WarmUp: 5),

        new("cart", "WEB and APP sessions: add / change / remove lines with holds, look at the cart, check out (GraphQL over HTTP)",
            _ => [new Cart()],
            _ => [new PgBench(), Loops.GraphQLAddCartLine(), Loops.BareCartLine(), Loops.OrleansAddLine()],
            _ =>
            [
                new(CartTarget, "durable cart mutations/s", "pgbench simple-update", TargetRule.RatioAtLeast, 0.7),
                new("GraphQL addCartLine vs the bare endpoint making the same grain calls", "GraphQL addCartLine", "bare POST /bench/cart-line", TargetRule.Ratio),
                new("bare endpoint vs raw Orleans client calling ICartGrain.AddLine", "bare POST /bench/cart-line", "Orleans ICartGrain.AddLine", TargetRule.Ratio),
            ],
            Users: 32, Duration: 30, WarmUp: 5),

        new("live", "app subscribers on myCartUpdated (WebSocket) while the web side changes their carts (HTTP); across nodes when two run",
            _ => [new Live()],
            _ => [Loops.OrleansCartObserver()],
            context => context.Nodes.Count > 1
                ?
                [
                    new("live cart across two API nodes: p99 < 25 ms, from sending the mutation to the event", "live p99 mutation-to-event delay", null, TargetRule.AtMost, 25),
                    new("live cart across two API nodes: p99 < 25 ms, from the mutation's acknowledgement to the event", "live p99 acknowledgement-to-event delay", null, TargetRule.AtMost, 25),
                ]
                :
                [
                    new("live cart, one API node: p99 < 10 ms, from sending the mutation to the event", "live p99 mutation-to-event delay", null, TargetRule.AtMost, 10),
                    new("live cart, one API node: p99 < 10 ms, from the mutation's acknowledgement to the event", "live p99 acknowledgement-to-event delay", null, TargetRule.AtMost, 10),
                ],
            Users: 16, Duration: 30, WarmUp: 5),

        new("pos", "tills reserving, committing, releasing and selling at their own stores (GraphQL over HTTP, staff tokens)",
            _ => [new Pos()],
            _ => [new PgBench(), Loops.GraphQLReserve(16), Loops.BareReserve(16), Loops.OrleansReserve(16)],
            _ =>
            [
                new("durable POS stock movements through GraphQL vs pgbench simple-update", "durable stock movements/s (POS)", "pgbench simple-update", TargetRule.Ratio),
                new("GraphQL reserveStock vs the bare endpoint making the same grain call", "GraphQL reserveStock (16 SKUs)", "bare POST /bench/reserve (16 SKUs)", TargetRule.Ratio),
            ],
            Users: 32, Duration: 30, WarmUp: 5),

        new("flash-sale", "the hot-SKU race until sold out: Orleans clients straight to the grain (--via grains), the same through GraphQL (--via graphql), or both",
            options => options.Get("via", "both").ToLowerInvariant() switch
            {
                "grains" => [new FlashSale(FlashSale.Via.Grains)],
                "graphql" => [new FlashSale(FlashSale.Via.GraphQL)],
                "both" => [new FlashSale(FlashSale.Via.Grains), new FlashSale(FlashSale.Via.GraphQL)],
                var other => throw new ArgumentException($"--via is grains, graphql or both, not '{other}'"),
            },
            // The sell-out phases last a few seconds, ramp included; GraphQL against the bare endpoint is
            // compared between the two ceilings instead: same hot SKU setup, same concurrency, 10 s steady.
            // pgbench last: the vacuum and checkpoint its updates leave behind would land on the next ceiling.
            _ => [Loops.GraphQLReserve(1), Loops.BareReserve(1), new PgBench()],
            _ =>
            [
                new(FlashTarget, "durable reservations/s, one SKU (Orleans clients", null, TargetRule.AtLeast, 5000),
                new("flash sale through GraphQL vs Orleans clients straight to the grain", "durable reservations/s, one SKU (through GraphQL",
                    "durable reservations/s, one SKU (Orleans clients", TargetRule.Ratio),
                new("GraphQL reserveStock vs the bare endpoint making the same grain call (one hot SKU, steady)", "GraphQL reserveStock (one hot SKU)",
                    "bare POST /bench/reserve (one hot SKU)", TargetRule.RatioAtLeast, 0.8),
                new("flash sale (grains) vs pgbench simple-update", "durable reservations/s, one SKU (Orleans clients", "pgbench simple-update", TargetRule.Ratio),
            ],
            Users: 64, Duration: 600, WarmUp: 0),

        new("wallet", "tills charging and apps topping up wallets across 10,000 customers and one hot customer, apps live on myWalletUpdated (GraphQL over HTTP and WebSocket)",
            _ => [new Wallet()],
            _ => [new PgBench()],
            context =>
            [
                new("durable wallet changes through GraphQL vs pgbench simple-update (same concurrency)", "durable wallet changes/s", "pgbench simple-update", TargetRule.Ratio),
                new("the app's wallet event p99, from the change's acknowledgement", "wallet p99 acknowledgement-to-event delay", null, TargetRule.AtMost, context.Nodes.Count > 1 ? 25 : 10),
            ],
            Users: 32, Duration: 30, WarmUp: 5),

        new("mixed", $"a weighted blend of the above at once (--weights {Mixed.DefaultWeights})",
            options => [new Mixed(options.Get("weights", Mixed.DefaultWeights))],
            _ => [new PgBench()],
            _ => [],
            Users: 48, Duration: 30, WarmUp: 5),
    ];

    public static ScenarioDefinition? Find(string name) => All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
