namespace Omni.Catalog;

/// <summary>The SKU index of the catalog, kept sorted so a page is a binary search and a slice.</summary>
public sealed class CatalogGrain(
    [PersistentState("catalog")] IPersistentState<CatalogState> state) : Grain, ICatalogGrain
{
    public Task<IReadOnlyList<string>> List(int first, string? after)
    {
        var skus = state.State.Skus;
        var start = 0;
        if (after is not null)
        {
            var at = skus.BinarySearch(after, StringComparer.Ordinal);
            start = at >= 0 ? at + 1 : ~at;
        }
        var count = Math.Clamp(first, 0, Math.Max(0, skus.Count - start));
        return Task.FromResult<IReadOnlyList<string>>(skus.GetRange(start, count));
    }

    public Task<int> Count() => Task.FromResult(state.State.Skus.Count);

    public Task<IReadOnlyList<string>> Known(IReadOnlyList<string> skus)
    {
        var all = state.State.Skus;
        return Task.FromResult<IReadOnlyList<string>>([.. skus.Where(sku => all.BinarySearch(sku, StringComparer.Ordinal) >= 0)]);
    }

    public async Task Add(IReadOnlyList<string> skus)
    {
        var merged = new SortedSet<string>(state.State.Skus, StringComparer.Ordinal);
        var before = merged.Count;
        merged.UnionWith(skus);
        if (merged.Count == before)
        {
            return;
        }
        state.State.Skus = [.. merged];
        await state.WriteStateAsync();
    }
}

[GenerateSerializer, Alias("Omni.Catalog.CatalogState")]
public sealed class CatalogState
{
    [Id(0)]
    public List<string> Skus { get; set; } = [];
}
