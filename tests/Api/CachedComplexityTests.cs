namespace Omni.Tests.Api;

/// <summary>
/// A cached document's operation is measured for depth and complexity once, not on every request;
/// but where its score depends on its variables (the length of a list) it is measured every time.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class CachedComplexityTests(OmniApiFixture omni)
{
    [Fact]
    public async Task The_same_cached_document_is_refused_when_its_list_variable_makes_it_too_costly()
    {
        // Twelve aliases of availabilities: cheap for one SKU each, far over the limit for 200.
        var aliases = string.Join(" ", Enumerable.Range(0, 12).Select(i => $"a{i}: availabilities(skus: $skus) {{ sku totalAvailable }}"));
        var query = $"query CachedComplexity($skus: [ID!]!) {{ {aliases} }}";
        var many = Enumerable.Range(0, 200).Select(i => $"CC-{i}").ToArray();

        var cheap = await omni.A.Send(query, new { skus = new[] { "CC-1" } });
        var cheapAgain = await omni.A.Send(query, new { skus = new[] { "CC-2" } });
        var costly = await omni.A.Send(query, new { skus = many });

        Assert.Empty(cheap.ErrorCodes);
        Assert.Empty(cheapAgain.ErrorCodes);
        Assert.False(costly.Root.TryGetProperty("data", out var data) && data.ValueKind == System.Text.Json.JsonValueKind.Object);
        Assert.NotEmpty(costly.ErrorCodes);
    }
}
