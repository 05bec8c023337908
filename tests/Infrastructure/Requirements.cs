namespace Omni.Tests.Infrastructure;

/// <summary>
/// What some tests need from the machine (a browser, the shared contract file), and whether its
/// absence is a skip or a failure. On a developer's machine a missing browser is a counted, named
/// skip; under <c>CI=true</c> nothing may quietly drop out, so the test runs and fails.
/// </summary>
public static class Requirements
{
    public static bool Strict =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string BrowserPath => Environment.GetEnvironmentVariable("OMNI_CHROMIUM") ?? "/usr/bin/chromium";

    public static bool HasBrowser => File.Exists(BrowserPath);
}

/// <summary>A test that drives Chromium: skipped, saying why, where there is none; failed instead under CI=true.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!Requirements.HasBrowser && !Requirements.Strict)
        {
            Skip = $"no Chromium at {Requirements.BrowserPath}: install Debian's chromium (./omni test does when it runs as root) or set OMNI_CHROMIUM";
        }
    }
}

/// <summary>
/// A test that makes network namespaces (root and iproute2): skipped, saying why, where it cannot;
/// failed instead under CI=true.
/// </summary>
public sealed class NetworkFactAttribute : FactAttribute
{
    public NetworkFactAttribute()
    {
        if (NetworkNamespace.Unavailable is { } why && !Requirements.Strict)
        {
            Skip = $"SKIPPED, cannot cut a silo off here: {why}. Run ./omni test as root to include the partition test.";
        }
    }
}
