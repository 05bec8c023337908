namespace Omni;

/// <summary>Bounds on what a caller may ask for; anything outside is INVALID_ARGUMENT.</summary>
public static class Limits
{
    /// <summary>The largest quantity one stock movement may carry.</summary>
    public const int MaxMovementQuantity = 1_000_000;
    /// <summary>The largest on-hand a location may record.</summary>
    public const int MaxOnHand = 100_000_000;
    /// <summary>Longest and shortest a hold may last.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinHold = TimeSpan.FromSeconds(1);
    /// <summary>Client-chosen ids (reservation, sale, movement) are at most this long.</summary>
    public const int MaxIdLength = 128;
    public const int MaxLinesPerCart = 100;
    public const int MaxUnitsPerLine = 999;
}
