using System.Diagnostics.Metrics;

namespace Omni.Inventory;

/// <summary>What group commit does under load, on the "Omni" meter (exported at /metrics).</summary>
internal static class InventoryMetrics
{
    private static readonly Meter Meter = new("Omni");

    /// <summary>Events acknowledged by one journal write: how much group commit is saving.</summary>
    public static readonly Histogram<int> BatchEvents =
        Meter.CreateHistogram<int>("omni.inventory.batch.events", "{event}", "Inventory events made durable by one journal write");

    public static readonly Histogram<double> WriteDuration =
        Meter.CreateHistogram<double>("omni.inventory.write.duration", "s", "Time of one inventory journal write");
}
