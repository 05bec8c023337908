namespace Omni.Api.Live;

/// <summary>Live updates (configuration section <c>Omni:Live</c>).</summary>
public sealed class LiveOptions
{
    public const string SectionName = "Omni:Live";

    /// <summary>
    /// How often each grain-side registration is renewed (and the current state re-read). The grains
    /// forget observers they have not heard from for a minute; renewing also re-registers with a
    /// grain that moved to another silo and lost its observers.
    /// </summary>
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>States one subscriber may have waiting; beyond that it skips to the newest.</summary>
    public int SubscriberBuffer { get; set; } = 32;

    internal bool IsValid() => RenewEvery > TimeSpan.Zero && RenewEvery < TimeSpan.FromMinutes(1) && SubscriberBuffer > 0;
}
