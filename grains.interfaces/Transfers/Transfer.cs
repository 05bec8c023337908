using Omni.Inventory;

namespace Omni.Transfers;

[GenerateSerializer, Alias("Omni.Transfers.TransferStatus")]
public enum TransferStatus
{
    REQUESTED,
    IN_TRANSIT,
    RECEIVED,
    CANCELLED,
}

/// <summary>Units of one SKU moved by a transfer; <see cref="Received"/> below <see cref="Quantity"/> is a recorded shortfall.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Transfers.TransferLine")]
public sealed record TransferLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] int Received);

/// <summary>What a caller asks to move, or says arrived: units of one SKU.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Transfers.TransferLineRequest")]
public sealed record TransferLineRequest(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity);

[GenerateSerializer, Immutable, Alias("Omni.Transfers.TransferView")]
public sealed record TransferView(
    [property: Id(0)] string Id,
    [property: Id(1)] string FromStoreId,
    [property: Id(2)] string ToStoreId,
    [property: Id(3)] TransferStatus Status,
    [property: Id(4)] IReadOnlyList<TransferLine> Lines,
    [property: Id(5)] long Version,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt);

/// <summary>The transfer after a command (null when none exists), or why the command was refused.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Transfers.TransferResult")]
public sealed record TransferResult(
    [property: Id(0)] TransferView? Transfer,
    [property: Id(1)] UserError? Error = null);

/// <summary>
/// Units moved from one location to another (key: the client's transfer id), run as a saga like
/// an order: each step is written first, then carried out at the inventory grains (idempotent,
/// every movement referencing the transfer id), then marked done; a reminder finishes a step a
/// crash interrupted.
/// </summary>
[Alias("Omni.Transfers.ITransferGrain")]
public interface ITransferGrain : IGrainWithStringKey
{
    /// <summary>The most lines one transfer carries.</summary>
    public const int MaxLines = 100;

    [Alias("Get"), ReadOnly]
    Task<TransferView?> Get();

    /// <summary>Holds the lines at the origin. The same request again returns the transfer; other terms are CONFLICT.</summary>
    [Alias("Request")]
    Task<TransferResult> Request(string fromStoreId, string toStoreId, IReadOnlyList<TransferLineRequest> lines, MovementContext by);

    /// <summary>Takes the held units off the origin's on-hand: IN_TRANSIT.</summary>
    [Alias("Dispatch")]
    Task<TransferResult> Dispatch(MovementContext by);

    /// <summary>Adds what arrived (null or a missing SKU: all of it) to the destination: RECEIVED.</summary>
    [Alias("Receive")]
    Task<TransferResult> Receive(IReadOnlyList<TransferLineRequest>? received, MovementContext by);

    /// <summary>Before dispatch only: releases the holds.</summary>
    [Alias("Cancel")]
    Task<TransferResult> Cancel(MovementContext by);

    /// <summary>Finishes an interrupted step; a no-op for a transfer at rest.</summary>
    [Alias("Resume")]
    Task<TransferResult> Resume();

    [Alias("Subscribe")]
    Task Subscribe(ITransferObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(ITransferObserver observer);
}

[Alias("Omni.Transfers.ITransferObserver")]
public interface ITransferObserver : IGrainObserver
{
    [Alias("TransferChanged"), OneWay]
    Task TransferChanged(TransferView transfer);
}

/// <summary>Transfers by location, read from PostgreSQL on whichever silo takes the call.</summary>
[Alias("Omni.Transfers.ITransferDirectoryGrain")]
public interface ITransferDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>The most transfers one listing returns.</summary>
    public const int MaxPage = 200;

    /// <summary>Transfers from or to <paramref name="storeId"/>, newest first.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<TransferView>> List(string storeId, TransferStatus? status, int first);

    /// <summary>Units of <paramref name="sku"/> dispatched to <paramref name="storeId"/> and not yet received.</summary>
    [Alias("Incoming"), ReadOnly]
    Task<int> Incoming(string storeId, string sku);

    /// <summary>
    /// <see cref="Incoming"/> for many locations' SKUs in one read (<c>skus[i]</c> at <c>storeIds[i]</c>),
    /// in the order asked: a page of stock levels costs one query, not one each.
    /// </summary>
    [Alias("IncomingMany"), ReadOnly]
    Task<IReadOnlyList<int>> IncomingMany(IReadOnlyList<string> storeIds, IReadOnlyList<string> skus);
}
