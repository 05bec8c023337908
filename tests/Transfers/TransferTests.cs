using Omni.Inventory;
using Omni.Transfers;

namespace Omni.Tests.Transfers;

/// <summary>
/// Transfers against real grains and PostgreSQL: holds at the origin, TRANSFER_OUT and incoming,
/// TRANSFER_IN with a recorded shortfall, cancellation, idempotent steps, refusals that change
/// nothing, and the conservation invariant (origin + in transit + destination + shortfall).
/// </summary>
[Collection(InventoryCollection.Name)]
[Trait("Tier", "Cluster")]
public sealed class TransferTests(InventoryFixture fixture)
{
    private static readonly MovementContext Ops = new("ops");
    private const string From = "w1";
    private const string To = "s1";

    [Fact]
    public async Task A_transfer_holds_dispatches_and_receives_with_a_shortfall_and_every_unit_is_accounted_for()
    {
        var (a, b) = (await Stocked(10), await Stocked(6));
        var id = NewId();
        var transfer = Transfer(id);

        var requested = await transfer.Request(From, To, [new(a, 4), new(b, 6)], new MovementContext($"staff:{From}"));
        Assert.Null(requested.Error);
        Assert.Equal(TransferStatus.REQUESTED, requested.Transfer!.Status);
        Assert.Equal((10, 4, 6), Level(await Stock(From, a)));
        Assert.Equal((6, 6, 0), Level(await Stock(From, b)));
        await AssertConserved(id, a, 10);

        var dispatched = await transfer.Dispatch(Ops);
        Assert.Equal(TransferStatus.IN_TRANSIT, dispatched.Transfer!.Status);
        Assert.Equal((6, 0, 6), Level(await Stock(From, a)));
        Assert.Equal(4, await Incoming(To, a));
        await AssertConserved(id, a, 10);
        await AssertConserved(id, b, 6);
        var again = await transfer.Dispatch(Ops); // a retry changes nothing
        Assert.Equal((null, dispatched.Transfer.Version), (again.Error, again.Transfer!.Version));
        Assert.Equal((6, 0, 6), Level(await Stock(From, a)));

        var received = await transfer.Receive([new(a, 3)], new MovementContext($"staff:{To}"));
        Assert.Null(received.Error);
        Assert.Equal(TransferStatus.RECEIVED, received.Transfer!.Status);
        Assert.Equal([new TransferLine(a, 4, 3), new TransferLine(b, 6, 6)], received.Transfer.Lines);
        Assert.Equal((3, 0), ((await Stock(To, a)).OnHand, await Incoming(To, a)));
        await AssertConserved(id, a, 10);
        await AssertConserved(id, b, 6);

        // A double receive never counts twice; another receipt is refused.
        Assert.Null((await transfer.Receive([new(a, 3)], Ops)).Error);
        Assert.Equal(ErrorCode.INVALID_STATE, (await transfer.Receive(null, Ops)).Error?.Code);
        Assert.Equal(3, (await Stock(To, a)).OnHand);
        Assert.Equal(ErrorCode.INVALID_STATE, (await transfer.Cancel(Ops)).Error?.Code);

        // Every movement references the transfer, and the ledgers replay to the levels.
        var origin = await StockLedgerReplay.AssertReplaysTo(fixture.Database, await Stock(From, a));
        Assert.Equal([StockMovementKind.RECEIVED, StockMovementKind.RESERVED, StockMovementKind.TRANSFER_OUT], origin.Select(m => m.Kind));
        Assert.All(origin.Skip(1), m => Assert.Equal(id, m.Reference));
        Assert.Equal(["staff:w1", "ops"], origin.Skip(1).Select(m => m.Actor));
        var destination = await StockLedgerReplay.AssertReplaysTo(fixture.Database, await Stock(To, a));
        Assert.Equal([(StockMovementKind.TRANSFER_IN, 3, id, "staff:s1")], destination.Select(m => (m.Kind, m.OnHandDelta, m.Reference, m.Actor)));

        var listed = await fixture.Grains.GetGrain<ITransferDirectoryGrain>(0).List(To, TransferStatus.RECEIVED, 50);
        Assert.Contains(listed, t => t.Id == id && t.Version == received.Transfer.Version);
    }

    [Fact]
    public async Task A_cancelled_transfer_releases_its_holds_and_a_receive_racing_a_cancel_never_counts_twice()
    {
        var sku = await Stocked(10);
        var cancelled = Transfer(NewId());
        Assert.Null((await cancelled.Request(From, To, [new(sku, 5)], Ops)).Error);
        var result = await cancelled.Cancel(Ops);
        Assert.Equal(TransferStatus.CANCELLED, result.Transfer!.Status);
        Assert.Equal((10, 0, 10), Level(await Stock(From, sku)));
        Assert.Null((await cancelled.Cancel(Ops)).Error);
        Assert.Equal(ErrorCode.INVALID_STATE, (await cancelled.Dispatch(Ops)).Error?.Code);

        // Dispatched, then a receive and a cancel at once: the receive wins, the cancel is refused.
        var raced = Transfer(NewId());
        Assert.Null((await raced.Request(From, To, [new(sku, 4)], Ops)).Error);
        Assert.Null((await raced.Dispatch(Ops)).Error);
        var outcomes = await Task.WhenAll(raced.Receive(null, Ops), raced.Cancel(Ops), raced.Receive(null, Ops));
        Assert.Equal([null, ErrorCode.INVALID_STATE, null], outcomes.Select(o => o.Error?.Code));
        Assert.Equal(4, (await Stock(To, sku)).OnHand);
        Assert.Equal((6, 0, 6), Level(await Stock(From, sku)));
        await StockLedgerReplay.AssertReplaysTo(fixture.Database, await Stock(From, sku));
        await StockLedgerReplay.AssertReplaysTo(fixture.Database, await Stock(To, sku));
    }

    [Fact]
    public async Task Bad_input_is_a_payload_error_and_changes_nothing()
    {
        var sku = await Stocked(10);
        var before = await Stock(From, sku);
        var tooMany = Enumerable.Range(0, ITransferGrain.MaxLines + 1).Select(i => new TransferLineRequest($"{sku}-{i}", 1)).ToList();
        (string Case, IReadOnlyList<TransferLineRequest> Lines, string To, ErrorCode Code)[] cases =
        [
            ("same store twice", [new(sku, 1)], From, ErrorCode.INVALID_ARGUMENT),
            ("unknown store", [new(sku, 1)], "nowhere", ErrorCode.NOT_FOUND),
            ("unknown sku", [new("no-such-sku", 1)], To, ErrorCode.NOT_FOUND),
            ("zero", [new(sku, 0)], To, ErrorCode.INVALID_ARGUMENT),
            ("negative", [new(sku, -2)], To, ErrorCode.INVALID_ARGUMENT),
            ("no lines", [], To, ErrorCode.INVALID_ARGUMENT),
            ("too many lines", tooMany, To, ErrorCode.INVALID_ARGUMENT),
            ("a SKU twice", [new(sku, 1), new(sku, 2)], To, ErrorCode.INVALID_ARGUMENT),
        ];
        foreach (var (name, lines, to, code) in cases)
        {
            var id = NewId();
            var result = await Transfer(id).Request(From, to, lines, Ops);
            Assert.True(result.Error?.Code == code, $"{name}: {result.Error?.Code.ToString() ?? "accepted"}");
            Assert.Null(result.Transfer);
            Assert.Equal(0L, await fixture.Database.Scalar<long>("SELECT count(*) FROM omni_transfer WHERE id = $1", id));
        }
        Assert.Equal(before, await Stock(From, sku));

        var transfer = Transfer(NewId());
        Assert.Null((await transfer.Request(From, To, [new(sku, 3)], Ops)).Error);
        Assert.Equal(ErrorCode.INVALID_STATE, (await transfer.Receive(null, Ops)).Error?.Code); // not dispatched
        Assert.Null((await transfer.Dispatch(Ops)).Error);
        var dispatched = await transfer.Get();
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, (await transfer.Receive([new("other", 1)], Ops)).Error?.Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, (await transfer.Receive([new(sku, 4)], Ops)).Error?.Code);
        Assert.Equal(ErrorCode.INVALID_ARGUMENT, (await transfer.Receive([new(sku, -1)], Ops)).Error?.Code);
        Assert.Equal(dispatched!.Version, (await transfer.Get())!.Version);
        Assert.Equal(0, (await Stock(To, sku)).OnHand);
        // The same id with other terms is a conflict; not enough available ends the request cancelled, holding nothing.
        Assert.Equal(ErrorCode.CONFLICT, (await transfer.Request(From, To, [new(sku, 2)], Ops)).Error?.Code);
        var greedy = await Transfer(NewId()).Request(From, To, [new(sku, 8)], Ops);
        Assert.Equal((ErrorCode.INSUFFICIENT_STOCK, TransferStatus.CANCELLED), (greedy.Error?.Code, greedy.Transfer?.Status));
        Assert.Equal((7, 0, 7), Level(await Stock(From, sku)));
    }

    [Fact]
    public async Task A_step_refused_at_the_origin_stays_in_flight_and_its_reminder_finishes_it()
    {
        var sku = await Stocked(10);
        var id = NewId();
        var transfer = Transfer(id);
        Assert.Null((await transfer.Request(From, To, [new(sku, 6)], Ops)).Error);
        // A count leaves fewer on hand than held: dispatch is refused up front and changes nothing.
        Assert.True((await fixture.Grains.Inventory(From, sku).SetCount("count-" + id, 4, Ops)).Succeeded);
        Assert.Equal(ErrorCode.INSUFFICIENT_STOCK, (await transfer.Dispatch(Ops)).Error?.Code);
        Assert.Equal(TransferStatus.REQUESTED, (await transfer.Get())!.Status);
        Assert.True((await fixture.Grains.Inventory(From, sku).Receive("found-" + id, 2, Ops)).Succeeded);
        Assert.Equal(TransferStatus.IN_TRANSIT, (await transfer.Dispatch(Ops)).Transfer!.Status);
        Assert.Equal((0, 0, 0), Level(await Stock(From, sku)));
        Assert.False(await fixture.Database.Scalar<bool>("SELECT in_flight FROM omni_transfer WHERE id = $1", id));
    }

    private ITransferGrain Transfer(string id) => fixture.Grains.GetGrain<ITransferGrain>(id);

    private static string NewId() => $"tr-{Guid.NewGuid():N}"[..20];

    private async Task<string> Stocked(int units)
    {
        var sku = await fixture.NewSku();
        Assert.True((await fixture.Grains.Inventory(From, sku).Receive("opening", units, Ops)).Succeeded);
        return sku;
    }

    private Task<StockLevel> Stock(string storeId, string sku) => fixture.Grains.Inventory(storeId, sku).GetStock();

    private Task<int> Incoming(string storeId, string sku) => fixture.Grains.GetGrain<ITransferDirectoryGrain>(0).Incoming(storeId, sku);

    private static (int OnHand, int Reserved, int Available) Level(StockLevel level) => (level.OnHand, level.Reserved, level.Available);

    /// <summary>Origin + in transit + destination + recorded shortfall is what the origin started with.</summary>
    private async Task AssertConserved(string id, string sku, int total)
    {
        var transfer = await Transfer(id).Get();
        var line = transfer!.Lines.Single(l => l.Sku == sku);
        var shortfall = transfer.Status == TransferStatus.RECEIVED ? line.Quantity - line.Received : 0;
        var (origin, destination, inTransit) = ((await Stock(From, sku)).OnHand, (await Stock(To, sku)).OnHand, await Incoming(To, sku));
        Assert.True(origin + inTransit + destination + shortfall == total,
            $"{transfer.Status}: origin {origin} + in transit {inTransit} + destination {destination} + shortfall {shortfall} != {total}");
    }
}
