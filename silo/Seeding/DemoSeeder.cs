using Microsoft.Extensions.Diagnostics.HealthChecks;
using Omni.Catalog;
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
            var catalog = grains.GetGrain<ICatalogGrain>(ICatalogGrain.Key);
            if (await catalog.Count() > 0)
            {
                LogAlreadySeeded(logger);
                return;
            }

            var started = DateTimeOffset.UtcNow;
            var stores = DemoData.Stores;
            if (await grains.GetGrain<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).Define(stores) is { } error)
            {
                throw new InvalidOperationException($"demo stores refused: {error.Message}");
            }

            var products = DemoData.Products(settings.Seed.Products);
            await catalog.Add([.. products.Select(p => p.Sku)]);
            await Parallel.ForEachAsync(products, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stoppingToken }, async (p, _) =>
            {
                if (await grains.GetGrain<IProductGrain>(p.Sku).Define(p.Name, p.UnitPrice, DemoData.Currency) is { } refused)
                {
                    throw new InvalidOperationException($"demo product {p.Sku} refused: {refused.Message}");
                }
            });

            var written = 0;
            foreach (var chunk in DemoData.OpeningStock(products).Chunk(10_000))
            {
                written += await inventory.SeedOpeningStock(chunk, started, stoppingToken);
            }
            LogSeeded(logger, stores.Count, products.Count, written, (DateTimeOffset.UtcNow - started).TotalSeconds);
        }
        finally
        {
            _done = true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data already present; not seeding")]
    private static partial void LogAlreadySeeded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded demo data: {Stores} locations, {Products} products, {Levels} stock levels in {Seconds:0.0}s")]
    private static partial void LogSeeded(ILogger logger, int stores, int products, int levels, double seconds);
}
