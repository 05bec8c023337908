using Microsoft.Extensions.Diagnostics.HealthChecks;
using Omni.Catalog;
using Omni.Common;
using Omni.Inventory;
using Omni.Silo.Hosting;
using Omni.Stores;

namespace Omni.Silo.Seeding;

/// <summary>
/// Seeds the demo network on the first start against an empty database (Omni:Seed:Demo),
/// in the background; the silo reports ready once it is done. Later starts find the catalog
/// filled and do nothing.
/// </summary>
public sealed partial class DemoSeeder(
    IGrainFactory grains,
    InventoryStore inventory,
    SiloSettings settings,
    ILogger<DemoSeeder> logger) : BackgroundService, IHealthCheck
{
    private volatile bool _done;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("seeding demo data"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var catalog = grains.Ref<ICatalogGrain>(ICatalogGrain.Key);
            if (await catalog.Count() > 0)
            {
                LogAlreadySeeded(logger);
                return;
            }

            var started = DateTimeOffset.UtcNow;
            var stores = DemoData.Stores;
            if (await grains.Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).Define(stores) is { } error)
            {
                throw new InvalidOperationException($"demo stores refused: {error.Message}");
            }
            LogProgress(logger, "locations", stores.Count, stores.Count);

            // Seeding a large catalog takes minutes: progress lines (which ./omni up shows while it
            // waits) tell whoever watches what is being seeded and how far it has got.
            var products = DemoData.Products(settings.Seed.Products);
            await catalog.Add([.. products.Select(p => p.Sku)]);
            var defined = new Progress(logger, "products", products.Count);
            await Parallel.ForEachAsync(products, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stoppingToken }, async (p, _) =>
            {
                if (await grains.Ref<IProductGrain>(p.Sku).Define(p.Name, p.UnitPrice, DemoData.Currency) is { } refused)
                {
                    throw new InvalidOperationException($"demo product {p.Sku} refused: {refused.Message}");
                }
                defined.Add(1);
            });

            var levels = DemoData.OpeningStock(products).ToList();
            var stocked = new Progress(logger, "stock levels", levels.Count);
            var written = 0;
            foreach (var chunk in levels.Chunk(10_000))
            {
                written += await inventory.SeedOpeningStock(chunk, started, stoppingToken);
                stocked.Add(chunk.Length);
            }
            LogSeeded(logger, stores.Count, products.Count, written, (DateTimeOffset.UtcNow - started).TotalSeconds);
        }
        finally
        {
            _done = true;
        }
    }

    /// <summary>Counts what is done and logs each further tenth (and the end), from any thread.</summary>
    private sealed class Progress(ILogger logger, string what, int total)
    {
        private int _done;
        private int _logged = -1;

        public void Add(int count)
        {
            var done = Interlocked.Add(ref _done, count);
            var tenth = total == 0 ? 10 : (int)(10L * done / total);
            var logged = Volatile.Read(ref _logged);
            if (tenth > logged && Interlocked.CompareExchange(ref _logged, tenth, logged) == logged)
            {
                LogProgress(logger, what, done, total);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeding demo data: {What} {Done}/{Total}")]
    private static partial void LogProgress(ILogger logger, string what, int done, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data already present; not seeding")]
    private static partial void LogAlreadySeeded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded demo data: {Stores} locations, {Products} products, {Levels} stock levels in {Seconds:0.0}s")]
    private static partial void LogSeeded(ILogger logger, int stores, int products, int levels, double seconds);
}
