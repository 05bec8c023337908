using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Stores;

namespace Omni.Api.Stores;

public static class StoreQueries
{
    public static void AddStoreQueries(this ObjectGraphType query) =>
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<StoreType>>>>("stores")
            .Description("Every location of the network, by id.")
            .ResolveAsync(async c => await c.Grains().Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key).List());
}
