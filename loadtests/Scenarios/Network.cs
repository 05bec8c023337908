using System.Text.Json;
using System.Text.RegularExpressions;
using Omni.LoadTests.GraphQL;

namespace Omni.LoadTests.Scenarios;

public sealed record Location(string Id, string Kind, double Latitude, double Longitude, bool ShipsOnline, bool PickupEnabled);

/// <summary>The locations and the catalog of the system under load, read once through GraphQL.</summary>
public sealed partial class Network(IReadOnlyList<Location> locations, IReadOnlyList<string> skus)
{
    public IReadOnlyList<Location> Locations { get; } = locations;

    /// <summary>The catalog's SKUs (the demo catalog's when there is one: not the load tests' own flash-sale items).</summary>
    public IReadOnlyList<string> Skus { get; } = skus;

    public IReadOnlyList<Location> Stores => [.. Locations.Where(l => l.Kind == "STORE")];

    public IReadOnlyList<Location> PickupStores => [.. Locations.Where(l => l.PickupEnabled)];

    /// <summary>The ids of the locations that ship online (their stock is what the online channel may promise).</summary>
    public IReadOnlySet<string> ShipsOnline { get; } = locations.Where(l => l.ShipsOnline).Select(l => l.Id).ToHashSet(StringComparer.Ordinal);

    public static async Task<Network> Load(GraphQLClient graphql, CancellationToken cancellationToken)
    {
        using var stores = await graphql.Send(Documents.Stores, cancellationToken: cancellationToken);
        var locations = stores.Require("stores").EnumerateArray()
            .Select(s => new Location(s.String("id")!, s.String("kind")!, s.Get("latitude").GetDouble(), s.Get("longitude").GetDouble(),
                s.Get("shipsOnline").ValueKind == JsonValueKind.True, s.Get("pickupEnabled").ValueKind == JsonValueKind.True))
            .ToList();
        var skus = new List<string>();
        string? after = null;
        while (true)
        {
            using var page = await graphql.Send(Documents.Products, new { first = 200, after }, cancellationToken: cancellationToken);
            var products = page.Require("products");
            var count = 0;
            foreach (var product in products.EnumerateArray())
            {
                after = product.String("sku");
                skus.Add(after!);
                count++;
            }
            if (count < 200)
            {
                break;
            }
        }
        var demo = skus.Where(s => DemoSku().IsMatch(s)).ToList();
        if (locations.Count == 0 || skus.Count == 0)
        {
            throw new InvalidOperationException($"the system has {locations.Count} locations and {skus.Count} products: seed demo data first (./omni up does)");
        }
        return new Network(locations, demo.Count > 0 ? demo : skus);
    }

    /// <summary><paramref name="count"/> distinct SKUs (all of them if there are fewer), chosen by <paramref name="random"/>.</summary>
    public IReadOnlyList<string> PickSkus(Random random, int count)
    {
        var shuffled = Skus.ToArray();
        random.Shuffle(shuffled);
        return shuffled[..Math.Min(count, shuffled.Length)];
    }

    [GeneratedRegex("^[A-Z]{2}-[0-9]{5}$")]
    private static partial Regex DemoSku();
}
