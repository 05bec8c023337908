using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Omni.Catalog;
using Omni.Inventory;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// The hot-SKU race: one SKU at one location with N units, many concurrent callers reserving
/// one unit each straight through Orleans clients (the API is not what is measured), until
/// sold out. Correct only if exactly N are granted and the grain holds exactly N.
/// </summary>
public static class FlashSaleGrains
{
    public static async Task<int> Run(Options options, CancellationToken cancellationToken)
    {
        var units = options.Int("units", 20_000);
        var concurrency = options.Int("concurrency", 256);
        var clients = options.Int("clients", 2);
        var store = options.Get("store") ?? "w1";
        var target = Target.Resolve(options);

        var hosts = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => target.ConnectOrleans(cancellationToken)));
        try
        {
            var grains = hosts.Select(h => h.Services.GetRequiredService<IClusterClient>()).ToArray();
            var run = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
            var sku = $"FLASH-{run}";
            if (await grains[0].GetGrain<IProductGrain>(sku).Define("Flash sale item", 19.99m, "EUR") is { } refused)
            {
                throw new InvalidOperationException(refused.Message);
            }
            var opening = await grains[0].Inventory(store, sku).Receive($"opening-{run}", units);
            if (!opening.Succeeded)
            {
                throw new InvalidOperationException(opening.Error!.Message);
            }

            await WarmUp(grains, store, run, cancellationToken);

            Console.WriteLine($"flash sale: {units} units of {sku} at {store}, {concurrency} concurrent callers over {clients} Orleans client(s)");
            var latency = new Latency();
            var granted = 0;
            var errors = 0;
            var nextId = 0L;
            var soldOut = false;
            var clock = Stopwatch.StartNew();
            using var progress = new Timer(_ => Console.WriteLine($"  {clock.Elapsed.TotalSeconds,5:0.0}s  granted {Volatile.Read(ref granted),6}  {Volatile.Read(ref granted) / clock.Elapsed.TotalSeconds,8:0}/s"), null, 1000, 1000);

            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
            {
                var stock = grains[worker % grains.Length].Inventory(store, sku);
                while (!Volatile.Read(ref soldOut) && !cancellationToken.IsCancellationRequested)
                {
                    var id = Interlocked.Increment(ref nextId);
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var result = await stock.Reserve($"hold-{id}", 1, TimeSpan.FromMinutes(15), $"buyer-{worker}");
                        latency.Record(started);
                        if (result.Succeeded)
                        {
                            Interlocked.Increment(ref granted);
                        }
                        else if (result.Error!.Code == ErrorCode.INSUFFICIENT_STOCK)
                        {
                            Volatile.Write(ref soldOut, true);
                        }
                        else
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }));
            var elapsed = clock.Elapsed;
            await progress.DisposeAsync();

            var final = await grains[0].Inventory(store, sku).GetStock();
            var correct = granted == units && final.Reserved == units && final.Available == 0;
            Console.WriteLine();
            Console.WriteLine($"granted      {granted} of {units} ({(correct ? "exact" : "WRONG")}; the grain holds {final.Reserved}, available {final.Available})");
            Console.WriteLine($"throughput   {granted / elapsed.TotalSeconds:0} durable reservations/s over {elapsed.TotalSeconds:0.00} s");
            Console.WriteLine($"latency      {latency.Summary()}  ({latency.Count} calls)");
            Console.WriteLine($"errors       {errors}");
            return correct && errors == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            }
        }
    }

    /// <summary>Connections, code paths and the JIT are warmed on another SKU, outside the measurement.</summary>
    private static async Task WarmUp(IClusterClient[] grains, string store, string run, CancellationToken cancellationToken)
    {
        var sku = $"WARM-{run}";
        await grains[0].GetGrain<IProductGrain>(sku).Define("Warm-up item", 1m, "EUR");
        var stock = grains[0].Inventory(store, sku);
        await stock.Receive($"opening-{run}", 2_000);
        await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (i, _) => await grains[i % grains.Length].Inventory(store, sku).Reserve($"warm-{i}", 1, TimeSpan.FromMinutes(1), "warm-up"));
    }
}
