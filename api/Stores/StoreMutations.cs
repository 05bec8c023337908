using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Stores;

namespace Omni.Api.Stores;

public static class StoreMutations
{
    public static void AddStoreMutations(this ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<StorePayloadType>>("defineStore")
            .Description("Ops: adds a location or replaces its profile.")
            .Argument<NonNullGraphType<StoreInputType>>("input")
            .ResolveAsync(async c =>
            {
                c.Caller().EnsureOps();
                var store = c.GetArgument<Store>("input");
                var directory = c.Grains().Ref<IStoreDirectoryGrain>(IStoreDirectoryGrain.Key);
                return await directory.Define([store]) is { } refused
                    ? new StorePayload(null, [refused])
                    : new StorePayload(await directory.Get(store.Id), []);
            });
}
