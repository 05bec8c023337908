using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Omni.Carts;
using Omni.Inventory;
using Omni.Journal;
using Omni.Stores;
using Omni.Orders;
using Omni.Transfers;
using Orleans.Configuration;

namespace Omni.Hosting;

public static class GrainsHostingExtensions
{
    /// <summary>
    /// The clock the domain reads (hold expiry, timestamps), kept apart from the one Orleans
    /// runs on so tests can move domain time without disturbing the runtime.
    /// </summary>
    public const string ClockKey = "omni";

    /// <summary>
    /// The services the Omni grains need in a silo. <paramref name="omni"/> is the <c>Omni</c>
    /// configuration section; the grains' own options live beneath it. The silo must also
    /// register an <see cref="Npgsql.NpgsqlDataSource"/> for the inventory journal and the journal of carts, orders, sessions and customers.
    /// </summary>
    public static ISiloBuilder AddOmniGrains(this ISiloBuilder silo, IConfiguration omni)
    {
        silo.Services.TryAddKeyedSingleton(ClockKey, TimeProvider.System);
        silo.Services.AddOptions<InventoryOptions>().Bind(omni.GetSection("Inventory"));
        // Orleans refuses reminder periods under its minimum (one minute); a shorter configured
        // ExpiryReminderPeriod lowers the minimum instead of failing every registration.
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<InventoryOptions>>((reminders, inventory) =>
        {
            if (inventory.Value.ExpiryReminderPeriod < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = inventory.Value.ExpiryReminderPeriod;
            }
        });
        silo.Services.AddOptions<TransferOptions>().Bind(omni.GetSection("Transfers"));
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<TransferOptions>>((reminders, transfers) =>
        {
            if (transfers.Value.SagaRetryPeriod < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = transfers.Value.SagaRetryPeriod;
            }
        });
        silo.Services.AddOptions<CartOptions>().Bind(omni.GetSection("Carts"));
        silo.Services.AddOptions<OrderOptions>().Bind(omni.GetSection("Orders"));
        silo.Services.AddOptions<JournalOptions>().Bind(omni.GetSection("Journal"));
        silo.Services.TryAddSingleton<InventoryStore>();
        silo.Services.TryAddSingleton<TransferStore>();
        silo.Services.TryAddSingleton<JournalCommitter>();
        silo.Services.TryAddSingleton<LegacyGrainState>();
        silo.Services.TryAddSingleton<StoreDirectoryCache>();
        silo.Services.AddHostedService<SagaSweeper>();
        silo.Services.TryAddSingleton<AbandonedCartSweeper>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<AbandonedCartSweeper>());
        return silo;
    }
}
