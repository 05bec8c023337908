using Microsoft.Extensions.Options;

namespace Omni.Api.Live;

/// <summary>Renews every feed's registrations on a period shorter than the grains' one-minute observer expiry.</summary>
public sealed class LiveRenewal(IEnumerable<ILiveFeed> feeds, IOptions<LiveOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var feed in feeds)
                {
                    await feed.Renew(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
