using System.Globalization;

namespace Omni.LoadTests;

/// <summary><c>--name value</c> pairs after the scenario name; a bare <c>--flag</c> is <c>true</c>.</summary>
public sealed class Options(IReadOnlyDictionary<string, string> values, IReadOnlyList<string> arguments)
{
    /// <summary>The arguments as given, for the command line a report quotes.</summary>
    public IReadOnlyList<string> Arguments { get; } = arguments;

    public static Options Parse(IEnumerable<string> args)
    {
        var list = args.ToList();
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? name = null;
        foreach (var arg in list)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    values[name] = "true";
                }
                name = arg[2..];
            }
            else if (name is not null)
            {
                values[name] = arg;
                name = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }
        if (name is not null)
        {
            values[name] = "true";
        }
        return new Options(values, list);
    }

    public bool Has(string name) => values.ContainsKey(name);

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Get(string name, string fallback) => values.GetValueOrDefault(name) ?? fallback;

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var v) ? Parse(name, v, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)) : fallback;

    public long? Long(string name) =>
        values.TryGetValue(name, out var v) ? Parse(name, v, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)) : null;

    public double Double(string name, double fallback) =>
        values.TryGetValue(name, out var v) ? Parse(name, v, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)) : fallback;

    public bool Bool(string name, bool fallback) =>
        values.TryGetValue(name, out var v) ? Parse(name, v, bool.Parse) : fallback;

    public TimeSpan Seconds(string name, double fallback) => TimeSpan.FromSeconds(Double(name, fallback));

    private static T Parse<T>(string name, string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--{name} does not take '{value}'");
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"--{name}: '{value}' is out of range");
        }
    }
}
