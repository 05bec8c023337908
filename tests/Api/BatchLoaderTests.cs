using GraphQL.DataLoader;
using Omni.Api.Schema;

namespace Omni.Tests.Api;

[Trait("Tier", "Unit")]
public sealed class BatchLoaderTests
{
    [Fact]
    public async Task Keys_asked_for_before_the_first_result_go_out_in_one_fetch_and_later_ones_in_the_next()
    {
        var fetches = new List<IReadOnlyCollection<int>>();
        var loader = new BatchLoader<int, string>((keys, _) =>
        {
            lock (fetches)
            {
                fetches.Add([.. keys]);
            }
            return Task.FromResult<IReadOnlyDictionary<int, string>>(keys.Where(k => k != 13).ToDictionary(k => k, k => $"#{k}"));
        });

        var level = Enumerable.Range(1, 50).Select(loader.Load).ToList();
        level.Add(loader.Load(7));
        var values = await Task.WhenAll(level.Select(r => r.GetResultAsync()));
        var next = await loader.Load(99).GetResultAsync();

        Assert.Equal(2, fetches.Count);
        Assert.Equal(50, fetches[0].Count);
        Assert.Equal("#1", values[0]);
        Assert.Null(values[12]);
        Assert.Equal("#7", values[^1]);
        Assert.Equal("#99", next);
    }
}
