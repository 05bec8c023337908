using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Inventory;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Transfers;

namespace Omni.Api.Transfers;

/// <summary>
/// Transfers between locations (contract stock-ledger.graphql). Who may: a request, a dispatch
/// and a cancellation belong to staff of the origin, a receipt to staff of the destination, a
/// read to staff of either; ops may do all of it. Everyone else gets FORBIDDEN (UNAUTHENTICATED
/// without a token), before anything is looked up.
/// </summary>
public static class TransferSchema
{
    /// <summary>The most transfers one <c>transfers</c> call lists.</summary>
    public const int MaxPage = ITransferDirectoryGrain.MaxPage;

    public static void AddTransferQueries(this ObjectGraphType query)
    {
        query.Field<TransferType>("transfer")
            .Description("A transfer; staff of either location, or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                EnsureStaffOrOps(c.Caller());
                var transfer = await Find(c, c.GetArgument<string>("id"));
                if (transfer is not null)
                {
                    EnsureStaffOfEither(c.Caller(), transfer);
                }
                return transfer;
            });

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransferType>>>>("transfers")
            .Description($"Transfers from or to a location, newest first; first is 1 to {MaxPage}. Staff of that store, or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("storeId")
            .Argument<TransferStatusType>("status")
            .Argument<NonNullGraphType<IntGraphType>>("first", a => a.DefaultValue = 50)
            .ResolveAsync(async c =>
            {
                var storeId = c.GetArgument<string>("storeId");
                c.Caller().EnsureStaffOf(storeId);
                var first = c.GetArgument<int>("first");
                if (first is < 1 or > MaxPage)
                {
                    throw Refusals.InvalidArgument($"first must be between 1 and {MaxPage}, not {first}");
                }
                return await c.Grains().Ref<ITransferDirectoryGrain>(0).List(storeId, c.GetArgument<TransferStatus?>("status"), first);
            });
    }

    public static void AddTransferMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<TransferPayloadType>>("requestTransfer")
            .Description($"Holds the units at the origin (holds owned by the transfer, no expiry); at most {ITransferGrain.MaxLines} lines. Ops or staff of the origin.")
            .Argument<NonNullGraphType<IdGraphType>>("transferId")
            .Argument<NonNullGraphType<IdGraphType>>("fromStoreId")
            .Argument<NonNullGraphType<IdGraphType>>("toStoreId")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<TransferLineInputType>>>>("lines")
            .ResolveAsync(async c =>
            {
                var (from, to) = (c.GetArgument<string>("fromStoreId"), c.GetArgument<string>("toStoreId"));
                c.Caller().EnsureStaffOf(from);
                var lines = c.GetArgument<List<TransferLineRequest>>("lines") ?? [];
                var id = c.GetArgument<string>("transferId");
                if (TransferId(id) is { } invalid)
                {
                    return TransferPayload.Refused(invalid);
                }
                if (lines.Count > ITransferGrain.MaxLines)
                {
                    return TransferPayload.Refused(UserError.InvalidArgument("lines", $"a transfer has at most {ITransferGrain.MaxLines} lines"));
                }
                return TransferPayload.From(await c.Grains().Ref<ITransferGrain>(id).Request(from, to, lines, StockLedgerQueries.MovedBy(c)));
            });

        mutation.Field<NonNullGraphType<TransferPayloadType>>("dispatchTransfer")
            .Description("Takes the held units off the origin's on-hand (TRANSFER_OUT) and shows them as incoming at the destination. Staff of the origin, or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("transferId")
            .ResolveAsync(async c => await OnTransfer(c, t => t.FromStoreId, (grain, by) => grain.Dispatch(by)));

        mutation.Field<NonNullGraphType<TransferPayloadType>>("receiveTransfer")
            .Description("Adds what arrived to the destination (TRANSFER_IN); missing SKUs arrived in full, less is a recorded shortfall. Staff of the destination, or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("transferId")
            .Argument<ListGraphType<NonNullGraphType<TransferLineInputType>>>("received")
            .ResolveAsync(async c =>
            {
                var received = c.GetArgument<List<TransferLineRequest>?>("received");
                if (received is { Count: > ITransferGrain.MaxLines })
                {
                    EnsureStaffOrOps(c.Caller());
                    return TransferPayload.Refused(UserError.InvalidArgument("received", $"a receipt has at most {ITransferGrain.MaxLines} lines"));
                }
                return await OnTransfer(c, t => t.ToStoreId, (grain, by) => grain.Receive(received, by));
            });

        mutation.Field<NonNullGraphType<TransferPayloadType>>("cancelTransfer")
            .Description("Before dispatch only: the holds are released. Staff of the origin, or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("transferId")
            .ResolveAsync(async c => await OnTransfer(c, t => t.FromStoreId, (grain, by) => grain.Cancel(by)));
    }

    public static void AddTransferSubscriptions(this ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<TransferType>, TransferView>("transferUpdated")
            .Description("The transfer now, then every change, in version order. Staff of either location, or ops.")
            .Argument<NonNullGraphType<IdGraphType>>("transferId")
            .Resolve(c => (TransferView?)c.Source)
            .ResolveStreamAsync(async c =>
            {
                EnsureStaffOrOps(c.Caller());
                var id = c.GetArgument<string>("transferId");
                var transfer = await Find(c, id) ?? throw Refusals.NotFound($"no transfer '{id}'");
                EnsureStaffOfEither(c.Caller(), transfer);
                return c.Service<TransferFeed>().Watch(id, transfer);
            });

    private static async Task<TransferPayload> OnTransfer(IResolveFieldContext c, Func<TransferView, string> storeOf,
        Func<ITransferGrain, Omni.Inventory.MovementContext, Task<TransferResult>> act)
    {
        var caller = c.Caller();
        EnsureStaffOrOps(caller);
        var id = c.GetArgument<string>("transferId");
        if (TransferId(id) is { } invalid)
        {
            return TransferPayload.Refused(invalid);
        }
        var grain = c.Grains().Ref<ITransferGrain>(id);
        if (await grain.Get() is not { } transfer)
        {
            return TransferPayload.Refused(UserError.NotFound("transferId", $"no transfer '{id}'"));
        }
        caller.EnsureStaffOf(storeOf(transfer));
        return TransferPayload.From(await act(grain, StockLedgerQueries.MovedBy(c)));
    }

    private static async Task<TransferView?> Find(IResolveFieldContext c, string id) =>
        TransferId(id) is null ? await c.Grains().Ref<ITransferGrain>(id).Get() : null;

    private static UserError? TransferId(string id) =>
        PrintableText.IsValidId(id) ? null : UserError.InvalidArgument("transferId", $"transferId must be 1 to {Limits.MaxIdLength} printable characters");

    private static void EnsureStaffOrOps(Caller caller)
    {
        if (caller.Role is not (Role.STAFF or Role.OPS))
        {
            throw caller.IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();
        }
    }

    private static void EnsureStaffOfEither(Caller caller, TransferView transfer)
    {
        if (!caller.IsOps && caller.StoreId != transfer.FromStoreId && caller.StoreId != transfer.ToStoreId)
        {
            throw Refusals.NotAllowed();
        }
    }
}
