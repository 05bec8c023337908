using System.Net;

namespace Omni.Tests.Api;

/// <summary>
/// DESIGN rule 11 at the edge: every id and text argument follows one grammar (printable, at most
/// Limits.MaxIdLength for ids); anything else is refused with INVALID_ARGUMENT before a grain sees
/// it, so one caller's NUL can never fail the group commit other callers' holds ride in.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class IdGrammarTests(OmniApiFixture omni)
{
    private const string Reserve = """
        mutation($storeId: ID!, $sku: ID!, $reservationId: ID!) {
          reserveStock(storeId: $storeId, sku: $sku, quantity: 1, reservationId: $reservationId) { reservation { id } errors { code } }
        }
        """;

    public static TheoryData<string> BadIds => new()
    {
        "R-\0-nul",
        "R-\u001b[31m",
        "R-\u2028",
        "R-\u202e-bidi",
        new string('r', Limits.MaxIdLength + 1),
    };

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task A_reservation_id_outside_the_grammar_is_refused_and_changes_nothing(string reservationId)
    {
        var sku = await omni.NewProduct(stock: ("s1", 5));
        var staff = await omni.StaffToken("s1");
        var before = await Stock(sku);

        var refused = await omni.A.Send(Reserve, new { storeId = "s1", sku, reservationId }, staff);

        Assert.Equal(["INVALID_ARGUMENT"], refused.ErrorCodes);
        Assert.DoesNotContain(reservationId, refused.ToString(), StringComparison.Ordinal);
        Assert.Equal(before.ToString(), (await Stock(sku)).ToString());
    }

    [Fact]
    public async Task An_id_of_the_longest_allowed_length_is_accepted()
    {
        var sku = await omni.NewProduct(stock: ("s1", 5));
        var reserved = await omni.A.Send(Reserve, new { storeId = "s1", sku, reservationId = new string('r', Limits.MaxIdLength) }, await omni.StaffToken("s1"));

        Assert.Empty(reserved.Ok().UserErrors("reserveStock"));
    }

    [Fact]
    public async Task A_lone_surrogate_written_in_the_document_is_refused()
    {
        var sku = await omni.NewProduct(stock: ("s1", 5));
        var before = await Stock(sku);

        var refused = await omni.A.Send($$"""
            mutation { reserveStock(storeId: "s1", sku: "{{sku}}", quantity: 1, reservationId: "R-\ud800") { errors { code } } }
            """, token: await omni.StaffToken("s1"));

        Assert.Equal(["INVALID_ARGUMENT"], refused.ErrorCodes);
        Assert.Equal(before.ToString(), (await Stock(sku)).ToString());
    }

    [Theory]
    [InlineData("""{"query":"mutation($s: ID!, $k: ID!, $r: ID!) { reserveStock(storeId: $s, sku: $k, quantity: 1, reservationId: $r) { errors { code } } }","variables":{"s":"s1","k":"SKU","r":"R-\ud800"}}""")]
    [InlineData("""{"query":"mutation($s: ID!, $k: ID!) { reserveStock(storeId: $s, sku: $k, quantity: 1, reservationId: \"R-\ud800\") { errors { code } } }","variables":{"s":"s1","k":"SKU"}}""")]
    public async Task A_lone_surrogate_escaped_in_the_json_is_refused_not_a_server_error(string body)
    {
        var sku = await omni.NewProduct(stock: ("s1", 5));
        var before = await Stock(sku);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, omni.A.GraphQLUri)
        {
            Content = new StringContent(body.Replace("SKU", sku, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await omni.StaffToken("s1"));
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await http.SendAsync(request);

        Assert.True((int)response.StatusCode < 500, $"HTTP {(int)response.StatusCode}");
        var answer = new GraphQLResponse(System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        Assert.Equal(["INVALID_ARGUMENT"], answer.ErrorCodes);
        Assert.Equal(before.ToString(), (await Stock(sku)).ToString());
    }

    [Fact]
    public async Task Text_inside_an_input_object_follows_the_grammar_too()
    {
        var sku = $"T-{Guid.NewGuid():N}";

        var refused = await omni.A.Send("""
            mutation($input: ProductInput!) { defineProduct(input: $input) { product { sku } errors { code } } }
            """, new { input = new { sku, name = "line one\nline two", unitPrice = 1.0, currency = "EUR" } }, omni.OpsToken);
        var product = await omni.A.Send("query($sku: ID!) { product(sku: $sku) { sku } }", new { sku });

        Assert.Equal(["INVALID_ARGUMENT"], refused.ErrorCodes);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, product.Ok()["product"].ValueKind);
    }

    [Fact]
    public async Task One_callers_nul_among_honest_reservations_fails_none_of_them()
    {
        var sku = await omni.NewProduct(stock: ("s1", 100));
        var staff = await omni.StaffToken("s1");

        var honest = Enumerable.Range(0, 30).Select(i => omni.A.Send(Reserve, new { storeId = "s1", sku, reservationId = $"R-{Guid.NewGuid():N}" }, staff)).ToList();
        var hostile = omni.B.Send(Reserve, new { storeId = "s1", sku, reservationId = "R-\0" }, staff);
        await Task.WhenAll([.. honest, hostile]);

        Assert.Equal(["INVALID_ARGUMENT"], (await hostile).ErrorCodes);
        foreach (var reservation in honest)
        {
            Assert.Empty((await reservation).Ok().UserErrors("reserveStock"));
        }
        Assert.Equal(30, (await Stock(sku)).GetProperty("reserved").GetInt32());
    }

    [Fact]
    public async Task A_dev_token_for_an_id_outside_the_grammar_is_refused()
    {
        using var response = await omni.A.PostToken(new { role = "CUSTOMER", customerId = "c-\0" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<System.Text.Json.JsonElement> Stock(string sku) =>
        (await omni.A.Send("query($sku: ID!) { stock(sku: $sku, storeId: \"s1\") { onHand reserved available version } }", new { sku })).Ok()["stock"];
}
