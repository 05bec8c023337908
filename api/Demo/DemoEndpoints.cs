namespace Omni.Api.Demo;

/// <summary>
/// The demo page at <c>/demo</c>: web storefront, app and till side by side, speaking the public
/// contract like any client. It fetches its tokens from /dev/token, so it exists only when dev
/// tokens are switched on.
/// </summary>
public static class DemoEndpoints
{
    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app, bool devTokensEnabled)
    {
        if (!devTokensEnabled)
        {
            return app;
        }
        var page = ReadPage();
        app.MapGet("/demo", () => Results.Content(page, "text/html; charset=utf-8"));
        return app;
    }

    private static string ReadPage()
    {
        using var stream = typeof(DemoEndpoints).Assembly.GetManifestResourceStream("Omni.Api.Demo.demo.html")
            ?? throw new InvalidOperationException("the demo page is not embedded in the API assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
