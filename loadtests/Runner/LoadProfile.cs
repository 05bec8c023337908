namespace Omni.LoadTests.Runner;

/// <summary>How load is offered.</summary>
public enum LoadModel
{
    /// <summary>N virtual users, each starting its next step when the last one ends (plus think time).</summary>
    Closed,

    /// <summary>Steps arrive at a fixed rate whatever the system does; latency counts from the intended start.</summary>
    Open,
}

/// <summary>
/// The shape of one run: the model, how many virtual users (closed: all busy; open: the pool arrivals
/// draw from), the arrival rate (open), how long or how many steps are measured after the warm-up,
/// and the seed every random choice derives from.
/// </summary>
public sealed record LoadProfile(
    LoadModel Model,
    int Users,
    double Rate,
    TimeSpan Duration,
    long? Count,
    TimeSpan WarmUp,
    int Seed,
    TimeSpan Think)
{
    public static LoadProfile From(Options options, int users = 32, double duration = 30, double warmUp = 5)
    {
        var model = options.Get("model", "closed").ToLowerInvariant() switch
        {
            "closed" => LoadModel.Closed,
            "open" => LoadModel.Open,
            var other => throw new ArgumentException($"--model is closed or open, not '{other}'"),
        };
        var profile = new LoadProfile(
            model,
            options.Int("users", options.Int("concurrency", users)),
            options.Double("rate", 0),
            options.Seconds("duration", duration),
            options.Long("count"),
            options.Seconds("warmup", warmUp),
            options.Int("seed", 1),
            TimeSpan.FromMilliseconds(options.Double("think-ms", 0)));
        return profile.Validate();
    }

    public LoadProfile Validate()
    {
        if (Users < 1)
        {
            throw new ArgumentException("--users must be at least 1");
        }
        if (Model == LoadModel.Open && !(Rate > 0))
        {
            throw new ArgumentException("the open model needs --rate (arrivals per second) above 0");
        }
        if (Count is < 1)
        {
            throw new ArgumentException("--count must be at least 1");
        }
        if (Count is null && Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("--duration must be above 0 seconds");
        }
        if (WarmUp < TimeSpan.Zero || Think < TimeSpan.Zero)
        {
            throw new ArgumentException("--warmup and --think-ms cannot be negative");
        }
        return this;
    }

    public string Describe() =>
        (Model == LoadModel.Closed ? $"closed model, {Users} virtual users" : $"open model, {Rate:0.#} arrivals/s from a pool of {Users} users")
        + (Count is { } count ? $", {count:N0} measured steps" : $", {Duration.TotalSeconds:0.#} s measured")
        + $" after {WarmUp.TotalSeconds:0.#} s warm-up, seed {Seed}"
        + (Think > TimeSpan.Zero ? $", think {Think.TotalMilliseconds:0} ms" : "");
}
