using GraphQL.DataLoader;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Inventory;
using Omni.Transfers;

namespace Omni.Api.Inventory;

/// <summary>
/// <c>StockLevel.incoming</c> for one request (or one subscription): every level of a selection
/// level (an availability's locations, many SKUs' availabilities) is read in one query.
/// </summary>
public sealed class IncomingLoader
{
    private readonly BatchLoader<string, Units> _loader;

    public IncomingLoader(IClusterClient grains) =>
        _loader = new BatchLoader<string, Units>(async (keys, _) =>
        {
            var locations = keys.Select(InventoryKey.Parse).ToList();
            var incoming = await grains.Ref<ITransferDirectoryGrain>(0).IncomingMany(
                [.. locations.Select(l => l.StoreId)], [.. locations.Select(l => l.Sku)]);
            return keys.Zip(incoming).ToDictionary(p => p.First, p => new Units(p.Second), StringComparer.Ordinal);
        });

    /// <summary>The level's incoming units, fetched with every other level of the same selection level.</summary>
    public IDataLoaderResult<int> Load(StockLevel level) => new Count(_loader.Load(InventoryKey.Of(level.StoreId, level.Sku)));

    /// <summary>A count the batch loader can hold (it holds reference types).</summary>
    public sealed record Units(int Value);

    private sealed class Count(IDataLoaderResult<Units?> units) : IDataLoaderResult<int>
    {
        public async Task<int> GetResultAsync(CancellationToken cancellationToken = default) =>
            (await units.GetResultAsync(cancellationToken))?.Value ?? 0;

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            await GetResultAsync(cancellationToken);
    }
}
