using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Omni.Tests.Api;

namespace Omni.Tests.Failover;

/// <summary>
/// A till's burst of <c>reserveStock</c> over HTTP against one API node while a test breaks a silo:
/// every call's wait and outcome recorded, then the books checked against what was acknowledged.
/// </summary>
public sealed class ReservationBurst : IDisposable
{
    private const string Store = "s1";
    private const string Reserve = """
        mutation($storeId: ID!, $sku: ID!, $reservationId: ID!) {
          reserveStock(storeId: $storeId, sku: $sku, quantity: 1, reservationId: $reservationId) { reservation { id } errors { code } }
        }
        """;
    private const string Stock = "query($storeId: ID!, $sku: ID!) { stock(storeId: $storeId, sku: $sku) { onHand reserved } }";

    private readonly HttpClient _http;
    private readonly string _staffToken;
    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ReservationBurst(Uri api, string staffToken, IReadOnlyList<string> skus, int stockEach)
    {
        // Far longer than any call may take: a call that hangs is measured, not cut short here.
        _http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
        _staffToken = staffToken;
        Skus = skus;
        StockEach = stockEach;
    }

    public IReadOnlyList<string> Skus { get; }
    public int StockEach { get; }
    public IReadOnlyCollection<Call> Calls => _calls;
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>One reserveStock: when it started and ended on the burst's clock, and how it ended.</summary>
    public sealed record Call(string Sku, string ReservationId, TimeSpan Started, TimeSpan Ended, string Outcome)
    {
        public TimeSpan Waited => Ended - Started;
        public bool Acknowledged => Outcome == "OK";
    }

    /// <summary>Store s1 and <paramref name="skuCount"/> new products with <paramref name="stockEach"/> units there.</summary>
    public static async Task<ReservationBurst> Prepare(Uri api, int skuCount, int stockEach)
    {
        using var client = new ApiClient(api);
        var ops = await client.Token(new { role = "OPS" });
        var store = await client.Send("""
            mutation($input: StoreInput!) { defineStore(input: $input) { errors { code } } }
            """, new { input = new { id = Store, name = "Store Hamburg", kind = "STORE", latitude = 53.55, longitude = 9.99, shipsOnline = false, pickupEnabled = true, priority = 100 } }, ops);
        Assert.Empty(store.Ok().UserErrors("defineStore"));
        var skus = new List<string>();
        for (var i = 0; i < skuCount; i++)
        {
            var sku = $"F-{Guid.NewGuid():N}"[..20];
            var defined = await client.Send("""
                mutation($input: ProductInput!) { defineProduct(input: $input) { errors { code } } }
                """, new { input = new { sku, name = "Failover " + i, unitPrice = 1.0, currency = "EUR" } }, ops);
            Assert.Empty(defined.Ok().UserErrors("defineProduct"));
            var received = await client.Send("""
                mutation($sku: ID!, $quantity: Int!, $movementId: ID!) { receiveStock(storeId: "s1", sku: $sku, quantity: $quantity, movementId: $movementId) { errors { code } } }
                """, new { sku, quantity = stockEach, movementId = Guid.NewGuid().ToString("N") }, ops);
            Assert.Empty(received.Ok().UserErrors("receiveStock"));
            skus.Add(sku);
        }
        return new ReservationBurst(api, await client.Token(new { role = "STAFF", storeId = Store }), skus, stockEach);
    }

    /// <summary><paramref name="workers"/> tills reserving one unit at a time, each with a fresh reservation id, until stopped.</summary>
    public Task Run(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var sku = Skus[(worker + n) % Skus.Count];
                var id = $"r-{worker}-{n}-{Guid.NewGuid():N}";
                var started = Now;
                var outcome = await Send(sku, id);
                _calls.Enqueue(new Call(sku, id, started, Now, outcome));
            }
        })));

    public int AcknowledgedSince(TimeSpan since) => _calls.Count(c => c.Acknowledged && c.Started >= since);

    /// <summary>Waits until <paramref name="count"/> holds started after <paramref name="since"/> were acknowledged.</summary>
    public async Task WaitAcknowledged(int count, TimeSpan since, TimeSpan timeout, string what)
    {
        try
        {
            await Eventually.True(() => Task.FromResult(AcknowledgedSince(since) >= count), timeout, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; {Summary()}", e);
        }
    }

    /// <summary>OK, a user error's code, a GraphQL error's code, or the HTTP status.</summary>
    private async Task<string> Send(string sku, string reservationId)
    {
        try
        {
            var body = await Post(Reserve, new { storeId = Store, sku, reservationId });
            if (body.TryGetProperty("errors", out var errors))
            {
                return errors[0].TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var code) ? code.GetString() ?? "?" : "NO_CODE";
            }
            var payload = body.GetProperty("data").GetProperty("reserveStock");
            var userErrors = payload.GetProperty("errors");
            return userErrors.GetArrayLength() > 0 ? userErrors[0].GetProperty("code").GetString()! : "OK";
        }
        catch (HttpRequestException e)
        {
            return "HTTP:" + e.StatusCode;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return $"UNREADABLE:{e.GetType().Name}:{e.Message}";
        }
    }

    private async Task<JsonElement> Post(string query, object variables)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query, variables }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _staffToken);
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    /// <summary>onHand and reserved of every SKU; throws unless all of them answer.</summary>
    public async Task<IReadOnlyDictionary<string, (int OnHand, int Reserved)>> Levels()
    {
        var levels = await Task.WhenAll(Skus.Select(async sku =>
        {
            var body = await Post(Stock, new { storeId = Store, sku });
            if (body.TryGetProperty("errors", out var errors))
            {
                throw new InvalidOperationException($"stock of {sku}: {errors}");
            }
            var stock = body.GetProperty("data").GetProperty("stock");
            return (sku, stock.GetProperty("onHand").GetInt32(), stock.GetProperty("reserved").GetInt32());
        }));
        return levels.ToDictionary(l => l.sku, l => (l.Item2, l.Item3));
    }

    /// <summary>
    /// From <paramref name="since"/> on the burst's clock: how long until every SKU's grain answers
    /// again, each read within <paramref name="readWithin"/> (a read the API had to retry is not "served").
    /// A round of reads starts every 250 ms whether or not the one before has ended, so a round
    /// stuck on a call sent before the failover does not hide when the grains came back.
    /// </summary>
    public async Task<TimeSpan> WaitServed(TimeSpan since, TimeSpan timeout, TimeSpan readWithin)
    {
        var deadline = Now + timeout;
        var rounds = new List<Task<TimeSpan?>>();
        Exception? lastError = null;
        while (Now < deadline)
        {
            rounds.Add(Round());
            var tick = Task.Delay(TimeSpan.FromMilliseconds(250));
            while (!tick.IsCompleted)
            {
                var done = await Task.WhenAny(rounds.Append(tick));
                if (done != tick)
                {
                    rounds.Remove((Task<TimeSpan?>)done);
                    if (await (Task<TimeSpan?>)done is { } served)
                    {
                        return served - since;
                    }
                }
            }
        }
        throw new TimeoutException($"every SKU's grain answers again: not within {timeout.TotalSeconds:0} s (last error: {lastError?.Message}); {Summary()}");

        async Task<TimeSpan?> Round()
        {
            var started = Now;
            try
            {
                await Levels();
                return Now - started <= readWithin ? Now : null;
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException or JsonException)
            {
                lastError = e;
                return null;
            }
        }
    }

    /// <summary>
    /// The books after the burst: every acknowledged hold is still held, no id was applied twice
    /// (reserved never exceeds the ids sent, and sending the acknowledged ones again changes
    /// nothing), and nothing is oversold.
    /// </summary>
    public async Task VerifyBooks()
    {
        var calls = _calls.ToArray();
        var before = await Levels();
        foreach (var sku in Skus)
        {
            var acknowledged = calls.Count(c => c.Sku == sku && c.Acknowledged);
            var mayHaveApplied = calls.Count(c => c.Sku == sku && (c.Acknowledged || c.Outcome is "UNAVAILABLE" or "INTERNAL" || c.Outcome.StartsWith("HTTP", StringComparison.Ordinal)));
            var (onHand, reserved) = before[sku];
            Assert.True(reserved >= acknowledged, $"{sku}: {acknowledged} holds acknowledged but only {reserved} reserved");
            Assert.True(reserved <= mayHaveApplied, $"{sku}: {reserved} reserved but only {mayHaveApplied} reservation ids could have been applied");
            Assert.True(reserved <= onHand, $"{sku}: oversold, {reserved} reserved of {onHand}");
            Assert.Equal(StockEach, onHand);
        }
        // A till that never heard back sends the same id again: a sample of the acknowledged ones
        // (all of them would take longer than the rest of the test) must change nothing.
        foreach (var call in calls.Where(c => c.Acknowledged).OrderBy(_ => Random.Shared.Next()).Take(100))
        {
            Assert.Equal("OK", await Send(call.Sku, call.ReservationId));
        }
        Assert.Equal(before, await Levels());
    }

    /// <summary>The figures a failover test reports: calls, outcomes, longest wait.</summary>
    public string Summary()
    {
        var calls = _calls.ToArray();
        var outcomes = string.Join(", ", calls.GroupBy(c => c.Outcome).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
        var longest = calls.Length == 0 ? TimeSpan.Zero : calls.Max(c => c.Waited);
        return $"{calls.Length} calls ({outcomes}); longest wait {longest.TotalSeconds:0.00} s; over 1 s: {calls.Count(c => c.Waited > TimeSpan.FromSeconds(1))}";
    }

    public void Dispose() => _http.Dispose();
}
