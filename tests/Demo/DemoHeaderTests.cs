using System.Text.RegularExpressions;
using Omni.Tests.Api;

namespace Omni.Tests.Demo;

/// <summary>
/// The demo page's Content-Security-Policy: script only from files of this origin, none inline, so
/// markup that ever slipped into the page could not run.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Tier", "Host")]
public sealed class DemoHeaderTests(OmniApiFixture omni)
{
    [Theory]
    [InlineData("/demo")]
    [InlineData("/demo/demo.js")]
    [InlineData("/demo/demo.css")]
    public async Task The_demo_is_served_with_a_policy_that_runs_no_inline_script(string path)
    {
        using var http = new HttpClient { BaseAddress = omni.A.GraphQLUri };

        using var response = await http.GetAsync(path);

        response.EnsureSuccessStatusCode();
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task The_page_holds_no_inline_script_or_handler()
    {
        using var http = new HttpClient { BaseAddress = omni.A.GraphQLUri };

        var page = await http.GetStringAsync("/demo");

        Assert.Contains("<script src=\"/demo/demo.js\"></script>", page, StringComparison.Ordinal);
        Assert.Equal(1, page.Split("<script", StringSplitOptions.None).Length - 1);
        Assert.DoesNotMatch(new Regex(@"<[^>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase), page);
    }
}
