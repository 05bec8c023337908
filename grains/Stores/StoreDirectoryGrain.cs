using Omni.Stores;

namespace Omni.Stores;

/// <summary>
/// Every location's profile in one small grain: a few dozen rows that every SKU grain reads
/// once on activation. One grain per store would add a call per store and nothing else.
/// </summary>
public sealed class StoreDirectoryGrain(
    [PersistentState("stores")] IPersistentState<StoreDirectoryState> state) : Grain, IStoreDirectoryGrain
{
    public Task<IReadOnlyList<Store>> List() =>
        Task.FromResult<IReadOnlyList<Store>>([.. state.State.Stores.Values.OrderBy(s => s.Id, StringComparer.Ordinal)]);

    public Task<Store?> Get(string storeId) =>
        Task.FromResult(state.State.Stores.GetValueOrDefault(storeId));

    public async Task<UserError?> Define(IReadOnlyList<Store> stores)
    {
        if (stores.Select(Validate).FirstOrDefault(e => e is not null) is { } invalid)
        {
            return invalid;
        }
        foreach (var store in stores)
        {
            state.State.Stores[store.Id] = store;
        }
        await state.WriteStateAsync();
        return null;
    }

    private static UserError? Validate(Store store) => store switch
    {
        { Id: var id } when string.IsNullOrWhiteSpace(id) || id.Length > 64 || id.Contains('/') =>
            UserError.InvalidArgument("id", "a store id is 1 to 64 characters without '/'"),
        { Name: var name } when string.IsNullOrWhiteSpace(name) || name.Length > 200 =>
            UserError.InvalidArgument("name", "a store name is 1 to 200 characters"),
        { Latitude: < -90 or > 90 } => UserError.InvalidArgument("latitude", "latitude is between -90 and 90"),
        { Longitude: < -180 or > 180 } => UserError.InvalidArgument("longitude", "longitude is between -180 and 180"),
        _ => null,
    };
}

[GenerateSerializer, Alias("Omni.Stores.StoreDirectoryState")]
public sealed class StoreDirectoryState
{
    [Id(0)]
    public Dictionary<string, Store> Stores { get; set; } = new(StringComparer.Ordinal);
}
