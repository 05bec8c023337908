using System.Globalization;
using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// A weighted blend of the scenarios at once, as a shop sees it: each virtual user is a browser, a
/// shopper with a cart, a till, a web session with the app subscribed, or a flash-sale buyer, chosen
/// by weight with the run's seed (<c>--weights browse=50,cart=25,pos=10,live=10,flash-sale=5</c>).
/// Every part checks its own invariants; they share the stock ledger.
/// </summary>
public sealed class Mixed : IScenario
{
    public const string DefaultWeights = "browse=50,cart=25,pos=10,live=10,flash-sale=5";

    private readonly List<(string Name, IScenario Scenario, int Weight)> _parts;
    private (IScenario Scenario, int Index)[] _users = [];

    public Mixed(string weights)
    {
        _parts = [];
        foreach (var pair in weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, weight) = pair.Split('=') is [var n, var w] && int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? (n, value)
                : throw new ArgumentException($"--weights takes name=weight pairs, not '{pair}'");
            IScenario scenario = name switch
            {
                "browse" => new Browse(),
                "cart" => new Cart(),
                "pos" => new Pos(),
                "live" => new Live(defaultSubscribers: 100),
                "flash-sale" => new FlashSale(FlashSale.Via.GraphQL, soldOutEndsRun: false, unitsOption: "flash-units", defaultUnits: 5_000),
                _ => throw new ArgumentException($"--weights: no scenario '{name}' (browse, cart, pos, live, flash-sale)"),
            };
            if (weight > 0)
            {
                _parts.Add((name, scenario, weight));
            }
        }
        if (_parts.Count == 0)
        {
            throw new ArgumentException("--weights gives every scenario weight 0");
        }
    }

    public string Name => "mixed";

    public string Description => "a weighted blend: " + string.Join(", ", _parts.Select(p => $"{p.Name} {p.Weight}"));

    public async Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken)
    {
        // Each part gets its share of the users (at least one), the rest by weight with the seed.
        var random = context.Random(909);
        var total = _parts.Sum(p => p.Weight);
        var assigned = new List<int>();
        for (var i = 0; i < users; i++)
        {
            if (i < _parts.Count)
            {
                assigned.Add(i);
                continue;
            }
            var roll = random.Next(total);
            var part = 0;
            while (roll >= _parts[part].Weight)
            {
                roll -= _parts[part].Weight;
                part++;
            }
            assigned.Add(part);
        }
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(assigned));
        var counts = new int[_parts.Count];
        _users = [.. assigned.Select(part => (_parts[part].Scenario, counts[part]++))];
        for (var p = 0; p < _parts.Count; p++)
        {
            if (counts[p] > 0)
            {
                await context.Log.WriteLineAsync($"  {_parts[p].Name}: {counts[p]} users");
                await _parts[p].Scenario.Prepare(context, counts[p], cancellationToken);
            }
        }
        _parts.RemoveAll(p => !_users.Any(u => u.Scenario == p.Scenario));
    }

    public IVirtualUser CreateUser(int index) => _users[index].Scenario.CreateUser(_users[index].Index);

    public async Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken)
    {
        foreach (var (_, scenario, _) in _parts)
        {
            measured = await scenario.Verify(context, measured, cancellationToken);
        }
        context.Figure("mixed requests/s", measured.PerSecond(measured.Operations.Where(o => !o.Key.StartsWith("myCartUpdated", StringComparison.Ordinal)).Sum(o => o.Value.Count)), "requests/s");
        return measured;
    }
}
