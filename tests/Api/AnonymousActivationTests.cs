using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Omni.Tests.Api;

/// <summary>
/// Issue 12, item 1: anonymous reads of made-up SKUs and stores are answered from what the API
/// node knows exists, without activating a grain per key; and a list's length, times the aliases
/// repeating it, counts in the complexity budget.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class AnonymousActivationTests(OmniApiFixture omni)
{
    [Fact]
    public async Task Made_up_skus_and_stores_activate_no_sku_inventory_or_product_grain()
    {
        var prefix = $"MADEUP{Guid.NewGuid():N}"[..16];
        var skus = Enumerable.Range(0, 200).Select(i => $"{prefix}-{i}").ToArray();
        var real = await omni.NewProduct(10, ("s1", 4));
        using var cluster = await ManagementClient();
        var management = cluster.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);

        var answer = await omni.A.Send($$"""
            query($skus: [ID!]!, $more: [ID!]!) {
              a: availabilities(skus: $skus) { sku totalAvailable onlineAvailable }
              b: availabilities(skus: $more) { sku totalAvailable }
              c: availability(sku: "{{prefix}}-single") { totalAvailable }
              d: stock(sku: "{{prefix}}-stock", storeId: "s1") { onHand }
              e: stock(sku: "{{real}}", storeId: "{{prefix}}-store") { onHand }
              f: product(sku: "{{prefix}}-product") { sku }
              g: nearestStoresWithStock(sku: "{{prefix}}-near", latitude: 50, longitude: 10) { available }
              h: stock(sku: "{{real}}", storeId: "s1") { onHand }
              i: availabilities(skus: ["{{real}}", "{{prefix}}-mixed"]) { sku totalAvailable }
            }
            """, new { skus, more = skus.Select(s => s + "-b").ToArray() });

        answer.Ok();
        Assert.All(answer["a"].EnumerateArray(), a => Assert.Equal(0, a.GetProperty("totalAvailable").GetInt32()));
        Assert.Equal(200, answer["b"].GetArrayLength());
        Assert.Equal(0, answer["c.totalAvailable"].GetInt32());
        Assert.Equal(JsonValueKind.Null, answer["d"].ValueKind);
        Assert.Equal(JsonValueKind.Null, answer["e"].ValueKind);
        Assert.Equal(JsonValueKind.Null, answer["f"].ValueKind);
        Assert.Equal(0, answer["g"].GetArrayLength());
        Assert.Equal(4, answer["h.onHand"].GetInt32()); // the real one is still answered
        Assert.Equal([4, 0], answer["i"].EnumerateArray().Select(a => a.GetProperty("totalAvailable").GetInt32()));

        var active = await management.GetDetailedGrainStatistics();
        var madeUp = active.Where(a => a.GrainId.ToString().Contains(prefix, StringComparison.Ordinal)).Select(a => a.GrainId.ToString()).ToList();
        Assert.True(madeUp.Count == 0, $"{madeUp.Count} grains activated for made-up keys, e.g. {string.Join(", ", madeUp.Take(5))}");
        Assert.Contains(active, a => a.GrainId.ToString().Contains(real, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_made_up_sku_added_to_a_cart_is_not_found_without_activating_its_product_grain()
    {
        var prefix = $"MADEUP{Guid.NewGuid():N}"[..16];
        var real = await omni.NewProduct(10, ("w1", 4));
        var cartId = (await omni.A.Send("mutation { startSession(channel: WEB) { session { cartId } } }")).Ok()["startSession.session.cartId"].GetString()!;
        using var cluster = await ManagementClient();
        var management = cluster.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        const string add = """
            mutation($cartId: ID!, $sku: ID!) { addCartLine(cartId: $cartId, sku: $sku, quantity: 1) { cart { lines { sku } } errors { code field } } }
            """;

        var madeUp = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => omni.A.Send(add, new { cartId, sku = $"{prefix}-{i}" })));
        var added = await omni.A.Send(add, new { cartId, sku = real });

        Assert.All(madeUp, answer => Assert.Equal(["NOT_FOUND"], answer.Ok().UserErrors("addCartLine")));
        Assert.Equal([real], added.Ok()["addCartLine.cart.lines"].EnumerateArray().Select(l => l.GetProperty("sku").GetString()));
        var active = await management.GetDetailedGrainStatistics();
        var activated = active.Where(a => a.GrainId.ToString().Contains(prefix, StringComparison.Ordinal)).Select(a => a.GrainId.ToString()).ToList();
        Assert.True(activated.Count == 0, $"{activated.Count} grains activated for made-up SKUs, e.g. {string.Join(", ", activated.Take(5))}");
    }

    [Fact]
    public async Task Aliases_of_long_sku_lists_over_the_complexity_budget_are_refused_before_anything_runs()
    {
        var skus = Enumerable.Range(0, 200).Select(i => $"BUDGET-{i}").ToArray();
        var aliases = string.Join("\n", Enumerable.Range(0, 12).Select(i => $"a{i}: availabilities(skus: $skus) {{ sku totalAvailable }}"));
        using var http = new HttpClient();

        using var response = await http.PostAsJsonAsync(omni.A.GraphQLUri, new { query = $"query($skus: [ID!]!) {{ {aliases} }}", variables = new { skus } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(body.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object, body.ToString());
        Assert.Equal("COMPLEXITY", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        // One of them alone is fine.
        (await omni.A.Send("query($skus: [ID!]!) { availabilities(skus: $skus) { sku totalAvailable } }", new { skus })).Ok();
    }

    /// <summary>An Orleans client of the fixture's cluster, for its management grain (which counts activations).</summary>
    private async Task<IHost> ManagementClient()
    {
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("omni", "omni"));
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = omni.ConnectionString;
                });
            })
            .Build();
        await host.StartAsync();
        return host;
    }
}
