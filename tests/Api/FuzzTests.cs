using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Omni.Tests.Api.Transport;

namespace Omni.Tests.Api;

/// <summary>
/// Issue 12: random and malformed documents, variables, ids, HTTP requests and WebSocket frames
/// thrown at /graphql of the real API node (loopback only), for a bounded count and time. No
/// answer may be a 5xx, the node must stay up, and stock must not change. The seed is in the
/// failure message so a run can be replayed.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class FuzzTests(OmniApiFixture omni)
{
    private const int HttpRequests = 300;
    private const int Sockets = 12;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(25);

    private static readonly string[] Fragments =
    [
        "{", "}", "(", ")", "[", "]", ":", "$", "...", "@", "!", "=", "\"", "\\", "#", ",", "\n",
        "query", "mutation", "subscription", "fragment", "on", "__typename", "__schema", "__type(name: \"Query\")",
        "availability(sku: ", "availabilities(skus: ", "stock(sku: ", "storeId: ", "product(sku: ", "products(first: ",
        "nearestStoresWithStock(sku: ", "reserveStock(", "recordSale(", "receiveStock(", "cart(id: ", "stores",
        "sku", "onHand", "available", "totalAvailable", "locations", "name", "id", "a:", "b:", "x1:",
        "null", "true", "-1", "2147483648", "1e309", "NaN", "\"\\u0000\"", "\"\\ud800\"", "\"\\u202e\"", "\"\\uffff\"",
        "\"" + new string('x', 300) + "\"", "$skus", "$x", "[ID!]!", "Int", "String!",
    ];

    [Fact]
    public async Task Random_and_malformed_requests_and_frames_get_no_5xx_and_change_no_stock()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var sku = await omni.NewProduct(10, ("s1", 7), ("w1", 3));
        var before = await Stock(sku);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        for (var i = 0; i < HttpRequests && clock.Elapsed < Budget; i++)
        {
            using var request = HttpRequest(random, sku);
            var shown = request.RequestUri + " " + (request.Content is null ? "" : await request.Content.ReadAsStringAsync());
            using var response = await http.SendAsync(request);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"HTTP {(int)response.StatusCode} for {Shorten(shown)}");
            }
        }
        for (var i = 0; i < Sockets && clock.Elapsed < Budget; i++)
        {
            await SocketFuzz(random, sku, failures);
        }

        Assert.True(failures.Count == 0, $"seed {seed}: " + string.Join("\n", failures.Take(10)));
        using var live = await http.GetAsync(new Uri(omni.A.GraphQLUri, "/health/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(before, await Stock(sku));
        (await omni.A.Send("{ __typename }")).Ok();
    }

    private async Task<string> Stock(string sku) =>
        (await omni.A.Send($$"""{ availability(sku: "{{sku}}") { totalAvailable locations { storeId onHand reserved available version } } }""")).Ok()["availability"].ToString();

    private HttpRequestMessage HttpRequest(Random random, string sku)
    {
        var uri = omni.A.GraphQLUri;
        switch (random.Next(8))
        {
            case 0: // a GET with a random query string
                return new HttpRequestMessage(HttpMethod.Get, new Uri(uri + "?query=" + Uri.EscapeDataString(Document(random, sku)) + (random.Next(2) == 0 ? "&variables=" + Uri.EscapeDataString(Json(random, sku, 0)) : "")));
            case 1: // a body that is not JSON, or not the right JSON
                return Post(uri, random.Next(4) switch
                {
                    0 => RandomText(random, random.Next(200)),
                    1 => "[" + Json(random, sku, 0) + "]",
                    2 => "{\"query\":" + Json(random, sku, 0) + "}",
                    _ => "{\"query\":\"{ __typename }\",\"variables\":" + Json(random, sku, 0) + ",\"operationName\":" + Json(random, sku, 2) + "}",
                }, random.Next(3) == 0 ? "text/plain" : "application/json");
            case 2: // an id with control characters, lone surrogates or too long, in variables
                return Post(uri, "{\"query\":\"query($sku: ID!, $store: ID!) { stock(sku: $sku, storeId: $store) { onHand } availability(sku: $sku) { totalAvailable } }\"," +
                    $"\"variables\":{{\"sku\":{NastyId(random, sku)},\"store\":{NastyId(random, "s1")}}}}}");
            case 3: // anonymous stock changes with random ids: refused, never applied
                return Post(uri, "{\"query\":" + JsonSerializer.Serialize(
                    "mutation($sku: ID!, $id: ID!, $q: Int!) { recordSale(storeId: \"s1\", sku: $sku, quantity: $q, saleId: $id) { stock { onHand } errors { code } } reserveStock(storeId: \"s1\", sku: $sku, quantity: $q, reservationId: $id) { errors { code } } }") +
                    $",\"variables\":{{\"sku\":\"{sku}\",\"id\":{NastyId(random, "id")},\"q\":{random.Next(-5, 10)}}}}}");
            default: // a document stitched from random GraphQL tokens
                return Post(uri, "{\"query\":" + JsonSerializer.Serialize(Document(random, sku)) + ",\"variables\":" + (random.Next(3) == 0 ? "null" : Json(random, sku, 0)) + "}");
        }
    }

    private async Task SocketFuzz(Random random, string sku, List<string> failures)
    {
        TestSocket socket;
        try
        {
            socket = await TestSocket.Connect(omni.A.WebSocketUri);
        }
        catch (WebSocketException e)
        {
            failures.Add("socket upgrade failed: " + e.Message);
            return;
        }
        await using (socket)
        {
            try
            {
                var frames = random.Next(3, 15);
                for (var i = 0; i < frames && socket.CloseStatus is null; i++)
                {
                    await socket.SendText(random.Next(6) switch
                    {
                        0 => RandomText(random, random.Next(100)),
                        1 => "{\"type\":\"connection_init\",\"payload\":" + Json(random, sku, 0) + "}",
                        2 => "{\"type\":\"subscribe\",\"id\":" + NastyId(random, "op") + ",\"payload\":{\"query\":" + JsonSerializer.Serialize(Document(random, sku)) + "}}",
                        3 => $"{{\"type\":\"subscribe\",\"id\":\"op{i}\",\"payload\":{{\"query\":\"subscription($sku: ID!) {{ stockChanged(sku: $sku) {{ onHand }} }}\",\"variables\":{{\"sku\":{NastyId(random, sku)}}}}}}}",
                        4 => "{\"type\":" + Literal(RandomText(random, 8)) + ",\"id\":" + Json(random, sku, 2) + "}",
                        _ => "{\"type\":\"" + (random.Next(2) == 0 ? "ping" : "complete") + "\",\"id\":" + NastyId(random, "x") + "}",
                    });
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The server may close a socket that breaks the protocol; that is an answer, not a failure.
            }
        }
    }

    private static HttpRequestMessage Post(Uri uri, string body, string contentType = "application/json") =>
        new(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    private static string Document(Random random, string sku)
    {
        var text = new StringBuilder();
        var count = random.Next(1, 40);
        for (var i = 0; i < count; i++)
        {
            text.Append(random.Next(10) == 0 ? $"\"{sku}\"" : Fragments[random.Next(Fragments.Length)]).Append(' ');
        }
        return random.Next(5) == 0 ? "{ " + text + " }" : text.ToString();
    }

    private static string Json(Random random, string sku, int depth) => random.Next(depth > 2 ? 4 : 7) switch
    {
        0 => "null",
        1 => random.Next(-3, 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => NastyId(random, sku),
        3 => "\"\\ud800x\"",
        4 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => Json(random, sku, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(i => $"\"{(i == 0 ? "skus" : "k" + i)}\":" + Json(random, sku, depth + 1))) + "}",
    };

    /// <summary>A JSON string literal (escaped by hand: a lone surrogate must reach the server as <c>\ud800</c>).</summary>
    private static string NastyId(Random random, string valid) => random.Next(7) switch
    {
        0 => Literal(valid),
        1 => Literal(valid + "\u0000"),
        2 => Literal(valid + "\ud800"),
        3 => Literal("\u202e" + valid),
        4 => Literal(new string('x', Limits.MaxIdLength + random.Next(1, 50))),
        5 => "\"\"",
        _ => Literal(RandomText(random, random.Next(1, 20))),
    };

    private static string Literal(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            json.Append(c is < ' ' or > '~' or '"' or '\\' ? $"\\u{(int)c:x4}" : c.ToString());
        }
        return json.Append('"').ToString();
    }

    private static string RandomText(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0, random.Next(2) == 0 ? 128 : 0xFFFF);
        }
        return new string(chars);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
