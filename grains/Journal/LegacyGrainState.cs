using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Providers;
using Orleans.Storage;

namespace Omni.Journal;

/// <summary>
/// Upgrade in place: before the journal, carts, orders, sessions and customers kept their whole
/// state in Orleans' grain storage (<c>orleansstorage</c>). A grain whose stream is empty asks
/// here once for its old state and writes it into the journal as its first snapshot. A database
/// that never held such rows (every new one) costs one query per state name per silo, then none.
/// </summary>
public sealed class LegacyGrainState(IServiceProvider services, NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<string, Task<bool>> _present = new(StringComparer.Ordinal);

    /// <summary>The old state stored under <paramref name="stateName"/> for <paramref name="grainId"/>, or null.</summary>
    public async Task<T?> Read<T>(string stateName, GrainId grainId) where T : class, new()
    {
        if (!await _present.GetOrAdd(stateName, Present))
        {
            return null;
        }
        var storage = services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var state = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grainId, state);
        return state.RecordExists ? state.State : null;
    }

    private async Task<bool> Present(string stateName)
    {
        await using var command = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM orleansstorage WHERE graintypestring = $1)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stateName });
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
