using System.Text;
using Omni.LoadTests.Checks;
using Omni.LoadTests.GraphQL;

namespace Omni.LoadTests.Scenarios;

/// <summary>Ops calls the scenarios make before the clock starts (through GraphQL, with an ops token).</summary>
public static class Setup
{
    public static async Task DefineProduct(ScenarioContext context, string opsToken, string sku, string name, CancellationToken cancellationToken)
    {
        using var response = await context.Node(0).Send(Documents.DefineProduct,
            new { input = new { sku, name, unitPrice = 19.99, currency = "EUR" } }, opsToken, cancellationToken);
        if (Payload.ErrorCode(response.Require("defineProduct")) is { } code)
        {
            throw new InvalidOperationException($"defineProduct {sku}: {code}");
        }
    }

    public static async Task Receive(ScenarioContext context, string opsToken, string storeId, string sku, int quantity, string movementId,
        CancellationToken cancellationToken)
    {
        using var response = await context.Node(0).Send(Documents.ReceiveStock,
            new { storeId, sku, quantity, movementId }, opsToken, cancellationToken);
        var payload = response.Require("receiveStock");
        if (Payload.ErrorCode(payload) is { } code)
        {
            throw new InvalidOperationException($"receiveStock {storeId}/{sku}: {code}");
        }
        context.Stock.Observe(StockObservation.From(payload.Get("stock")), "receiveStock");
    }

    /// <summary>
    /// Tops up every (location, SKU) whose available stock is below <paramref name="below"/> to
    /// <paramref name="upTo"/>, so repeated runs do not sell the demo network empty. Done before the
    /// stock is first read, so it is not part of what the run accounts for. Batched with aliases.
    /// </summary>
    public static async Task Restock(ScenarioContext context, IReadOnlyCollection<string> skus, IReadOnlySet<string> locations, int below, int upTo,
        CancellationToken cancellationToken)
    {
        var levels = await context.ReadStock(skus, settle: false, cancellationToken);
        var low = levels.Values.Where(l => locations.Contains(l.StoreId) && l.Available < below).ToList();
        if (low.Count == 0)
        {
            return;
        }
        await context.Log.WriteLineAsync($"  restocking {low.Count} low (location, SKU) pairs to {upTo} available");
        var token = await context.Tokens.Ops(context.Node(0).Node);
        await Parallel.ForEachAsync(low.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                var document = new StringBuilder("mutation Restock {");
                for (var i = 0; i < chunk.Length; i++)
                {
                    var level = chunk[i];
                    document.Append(System.Globalization.CultureInfo.InvariantCulture,
                        $" r{i}: receiveStock(storeId: \"{level.StoreId}\", sku: \"{level.Sku}\", quantity: {upTo - level.Available}, movementId: \"restock-{context.RunId}-{level.StoreId}-{level.Sku}\") {{ errors {{ code }} }}");
                }
                document.Append(" }");
                using var response = await context.Node(0).Send(document.ToString(), null, token, ct);
                response.Require("r0");
            });
    }
}
