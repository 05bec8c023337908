using Omni.LoadTests;

// dotnet run -c Release --project loadtests -- <scenario> [--option value ...]   (see Cli.Usage)
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await Cli.Run(args, Console.Out, cancel.Token);
