namespace Omni.Tests.Api;

/// <summary>Bounds on what one request may ask for: beyond them, a GraphQL error with code INVALID_ARGUMENT.</summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class LimitTests(OmniApiFixture omni)
{
    [Fact]
    public async Task Availabilities_takes_at_most_200_skus()
    {
        var most = Enumerable.Range(0, 200).Select(i => $"LIMIT-{i}").ToArray();
        const string Query = "query($skus: [ID!]!) { availabilities(skus: $skus) { sku totalAvailable } }";

        var allowed = await omni.A.Send(Query, new { skus = most });
        var refused = await omni.A.Send(Query, new { skus = most.Append("LIMIT-200").ToArray() });

        Assert.Equal(200, allowed.Ok()["availabilities"].GetArrayLength());
        Assert.Equal(["INVALID_ARGUMENT"], refused.ErrorCodes);
    }

    [Fact]
    public async Task A_storefront_page_of_availabilities_with_each_locations_stock_is_within_the_complexity_limit()
    {
        var skus = Enumerable.Range(0, 24).Select(i => $"PAGE-{i}").ToArray();

        var page = await omni.A.Send("""
            query($skus: [ID!]!) {
              availabilities(skus: $skus) { sku onlineAvailable totalAvailable locations { sku storeId onHand reserved safetyStock available version updatedAt } }
            }
            """, new { skus });

        Assert.Equal(24, page.Ok()["availabilities"].GetArrayLength());
    }

    [Theory]
    [InlineData("{ products(first: 0) { sku } }")]
    [InlineData("{ products(first: 201) { sku } }")]
    [InlineData("{ nearestStoresWithStock(sku: \"X\", latitude: 50, longitude: 10, first: 51) { available } }")]
    [InlineData("{ nearestStoresWithStock(sku: \"X\", latitude: 50, longitude: 10, first: 0) { available } }")]
    [InlineData("{ nearestStoresWithStock(sku: \"X\", latitude: 91, longitude: 10) { available } }")]
    public async Task Pages_beyond_their_bounds_are_refused(string query)
    {
        var refused = await omni.A.Send(query);

        Assert.Equal(["INVALID_ARGUMENT"], refused.ErrorCodes);
    }
}
