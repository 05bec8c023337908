using Omni.Stores;

namespace Omni.Silo.Seeding;

/// <summary>
/// A believable retail network for demos and load tests: a warehouse and a few dozen stores
/// in German cities (real coordinates), a catalog of a few thousand products, stock everywhere.
/// Deterministic: the same seed gives the same data on every machine.
/// </summary>
public static class DemoData
{
    public const string Currency = "EUR";

    public static IReadOnlyList<Store> Stores { get; } = BuildStores();

    private static List<Store> BuildStores()
    {
        (string City, double Lat, double Lon)[] cities =
        [
            ("Berlin Mitte", 52.5200, 13.4050), ("Hamburg Mönckebergstraße", 53.5503, 10.0006), ("München Kaufingerstraße", 48.1374, 11.5755),
            ("Köln Schildergasse", 50.9364, 6.9528), ("Frankfurt Zeil", 50.1147, 8.6821), ("Stuttgart Königstraße", 48.7784, 9.1800),
            ("Düsseldorf Schadowstraße", 51.2254, 6.7763), ("Leipzig Petersstraße", 51.3397, 12.3731), ("Dortmund Westenhellweg", 51.5136, 7.4653),
            ("Essen Limbecker Platz", 51.4556, 7.0116), ("Bremen Obernstraße", 53.0758, 8.8072), ("Dresden Prager Straße", 51.0504, 13.7373),
            ("Hannover Georgstraße", 52.3759, 9.7320), ("Nürnberg Breite Gasse", 49.4521, 11.0767), ("Duisburg Königstraße", 51.4344, 6.7623),
            ("Bochum Kortumstraße", 51.4818, 7.2162), ("Wuppertal Elberfeld", 51.2562, 7.1508), ("Bielefeld Bahnhofstraße", 52.0302, 8.5325),
            ("Bonn Remigiusstraße", 50.7374, 7.0982), ("Münster Ludgeristraße", 51.9607, 7.6261), ("Mannheim Planken", 49.4875, 8.4660),
            ("Karlsruhe Kaiserstraße", 49.0069, 8.4037), ("Augsburg Annastraße", 48.3705, 10.8978), ("Wiesbaden Kirchgasse", 50.0782, 8.2398),
            ("Kiel Holstenstraße", 54.3233, 10.1228), ("Aachen Adalbertstraße", 50.7753, 6.0839), ("Freiburg Kaiser-Joseph-Straße", 47.9990, 7.8421),
            ("Mainz Stadthausstraße", 49.9929, 8.2473), ("Rostock Kröpeliner Straße", 54.0924, 12.0991), ("Kassel Königsplatz", 51.3127, 9.4797),
            ("Potsdam Brandenburger Straße", 52.3906, 13.0645), ("Erfurt Anger", 50.9848, 11.0299),
        ];
        var flagships = new HashSet<string> { "Berlin Mitte", "Hamburg Mönckebergstraße", "München Kaufingerstraße" };
        var stores = new List<Store>
        {
            new("w1", "Omni Fulfilment Centre Bad Hersfeld", LocationKind.WAREHOUSE, 50.8683, 9.7068, ShipsOnline: true, PickupEnabled: false, Priority: 1),
        };
        for (var i = 0; i < cities.Length; i++)
        {
            var (city, lat, lon) = cities[i];
            var flagship = flagships.Contains(city);
            stores.Add(new Store($"s{i + 1}", $"Omni {city}", LocationKind.STORE, lat, lon,
                ShipsOnline: flagship, PickupEnabled: true, Priority: flagship ? 10 : 100));
        }
        return stores;
    }

    public sealed record DemoProduct(string Sku, string Name, decimal UnitPrice);

    public static IReadOnlyList<DemoProduct> Products(int count, int seed = 42)
    {
        (string Prefix, string[] Nouns, decimal Min, decimal Max)[] categories =
        [
            ("AP", ["T-Shirt", "Hoodie", "Rain Jacket", "Chinos", "Denim Jeans", "Merino Sweater", "Linen Shirt", "Puffer Vest"], 9.99m, 189m),
            ("FW", ["Running Shoe", "Leather Boot", "Canvas Sneaker", "Trail Shoe", "Slipper", "Sandal"], 19.99m, 229m),
            ("HM", ["Throw Blanket", "Cushion Cover", "Table Lamp", "Wall Mirror", "Scented Candle", "Bath Towel Set"], 7.99m, 149m),
            ("KT", ["Chef's Knife", "Cast Iron Pan", "French Press", "Cutting Board", "Stock Pot", "Espresso Cups"], 8.99m, 179m),
            ("OD", ["Daypack", "Camping Stove", "Sleeping Bag", "Trekking Poles", "Water Bottle", "Headlamp"], 11.99m, 259m),
            ("EL", ["Wireless Earbuds", "Phone Charger", "Bluetooth Speaker", "USB-C Cable", "Power Bank", "Smart Plug"], 9.99m, 199m),
            ("TY", ["Building Blocks", "Puzzle 1000", "Plush Bear", "Wooden Train", "Card Game", "Kite"], 5.99m, 89m),
            ("BT", ["Face Cream", "Shampoo", "Lip Balm", "Body Lotion", "Hand Soap", "Sun Screen"], 3.99m, 49m),
        ];
        string[] styles = ["Classic", "Everyday", "Urban", "Nordic", "Alpine", "Coastal", "Studio", "Heritage", "Essential", "Pro"];
        string[] colours = ["Black", "White", "Navy", "Olive", "Sand", "Grey", "Red", "Forest", "Sky", "Rust"];

        var random = new Random(seed);
        var products = new List<DemoProduct>(count);
        for (var i = 0; i < count; i++)
        {
            var (prefix, nouns, min, max) = categories[i % categories.Length];
            var name = $"{styles[random.Next(styles.Length)]} {nouns[random.Next(nouns.Length)]}, {colours[random.Next(colours.Length)]}";
            var whole = (int)Math.Floor(min + (decimal)random.NextDouble() * (max - min));
            products.Add(new DemoProduct($"{prefix}-{10000 + i}", name, whole + 0.99m));
        }
        return products;
    }

    /// <summary>Opening stock: a deep warehouse, shallower stores, and some gaps, as in a real network.</summary>
    public static IEnumerable<(string StoreId, string Sku, int OnHand)> OpeningStock(IReadOnlyList<DemoProduct> products, int seed = 7)
    {
        var random = new Random(seed);
        foreach (var store in Stores)
        {
            foreach (var product in products)
            {
                var onHand = store.Kind == LocationKind.WAREHOUSE
                    ? random.Next(50, 500)
                    : random.Next(10) < 2 ? 0 : random.Next(1, 40);
                yield return (store.Id, product.Sku, onHand);
            }
        }
    }
}
