using System.Diagnostics.Metrics;

namespace Omni.Journal;

/// <summary>What group commit across grains does under load, on the "Omni" meter (exported at /metrics).</summary>
internal static class JournalMetrics
{
    private static readonly Meter Meter = new("Omni");

    /// <summary>Commits acknowledged by one transaction: how many calls share a WAL flush.</summary>
    public static readonly Histogram<int> BatchCommits =
        Meter.CreateHistogram<int>("omni.journal.batch.commits", "{commit}", "Grain commits made durable by one journal transaction");

    public static readonly Histogram<double> WriteDuration =
        Meter.CreateHistogram<double>("omni.journal.write.duration", "s", "Time of one journal transaction");

    public static readonly Counter<long> Conflicts =
        Meter.CreateCounter<long>("omni.journal.conflicts", "{commit}", "Commits refused because their stream had moved on (a duplicate activation)");
}
