using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Omni.Common;
using Omni.Orders;
using Omni.Wallets;

namespace Omni.Journal;

/// <summary>
/// Finishes sagas that a crash interrupted, with nobody calling. An order marks its stream in
/// flight in the same commit that starts placing or cancelling it, and clears the mark in the
/// commit that ends it (migration 0008); every <see cref="OrderOptions.SagaRetryPeriod"/> each
/// silo looks for streams in flight for longer than that and asks those orders to carry on.
/// One indexed query per period per silo replaces a reminder row written and deleted around
/// every checkout. Carrying on is idempotent, so two silos finding the same order is harmless.
/// </summary>
public sealed partial class SagaSweeper(
    NpgsqlDataSource db,
    IGrainFactory grains,
    IOptions<OrderOptions> options,
    ILogger<SagaSweeper> logger) : BackgroundService
{
    /// <summary>At most this many sagas are resumed per sweep; the next sweep takes the rest.</summary>
    private const int MaxPerSweep = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.SagaRetryPeriod;
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await Sweep(period, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>Resumes every order in flight for longer than <paramref name="olderThan"/>; returns how many were asked.</summary>
    public async Task<int> Sweep(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "SELECT stream FROM omni_stream WHERE in_flight AND updated_at < now() - $1 AND (stream LIKE 'order/%' OR stream LIKE 'wallet/%' OR stream LIKE 'customer/%') " +
            "ORDER BY updated_at LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = olderThan });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxPerSweep });
        var orders = new List<Guid>();
        var wallets = new List<string>();
        var customers = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var stream = reader.GetString(0);
                if (stream.StartsWith("wallet/", StringComparison.Ordinal))
                {
                    wallets.Add(stream["wallet/".Length..]);
                }
                else if (stream.StartsWith("customer/", StringComparison.Ordinal))
                {
                    customers.Add(stream["customer/".Length..]);
                }
                else if (Guid.TryParseExact(stream["order/".Length..], "N", out var id))
                {
                    orders.Add(id);
                }
            }
        }
        foreach (var customerId in wallets)
        {
            try
            {
                await grains.Ref<IWalletGrain>(customerId).Resume();
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogWalletResumeFailed(logger, e, customerId);
            }
        }
        foreach (var customerId in customers)
        {
            try
            {
                await grains.Ref<Customers.ICustomerGrain>(customerId).Resume();
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogWalletResumeFailed(logger, e, customerId);
            }
        }
        foreach (var id in orders)
        {
            try
            {
                await grains.Ref<IOrderGrain>(id).Resume();
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The next sweep tries again.
                LogResumeFailed(logger, e, id);
            }
        }
        return orders.Count + wallets.Count + customers.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saga sweeper: looking for interrupted sagas failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saga sweeper: the wallet or customer {CustomerId} could not deliver its timeline outbox")]
    private static partial void LogWalletResumeFailed(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saga sweeper: order {OrderId} could not be resumed")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception, Guid orderId);
}
