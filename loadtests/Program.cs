using Omni.LoadTests;
using Omni.LoadTests.Scenarios;

// dotnet run -c Release --project loadtests -- <scenario> [--option value ...]
var scenarios = new Dictionary<string, Func<Options, CancellationToken, Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["flash-sale"] = FlashSaleGrains.Run,
};

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var scenario))
{
    Console.Error.WriteLine($"usage: Omni.LoadTests <{string.Join('|', scenarios.Keys)}> [--units N] [--concurrency N] [--clients N] [--postgres CS]");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
try
{
    return await scenario(Options.Parse(args.Skip(1)), cancel.Token);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"loadtests: {e.Message}");
    return 2;
}
