namespace Omni.Api.Demo;

/// <summary>
/// The demo page at <c>/demo</c>: web storefront, app and till side by side, speaking the public
/// contract like any client. It fetches its tokens from /dev/token, so it exists only when dev
/// tokens are switched on.
/// </summary>
public static class DemoEndpoints
{
    /// <summary>
    /// The page's script and styles are files of their own, so the policy needs no inline allowance:
    /// even if something from the URL or the API were ever written into the page as markup, the
    /// browser would run none of it. Sockets and fetches go to this origin only ('self' covers ws:
    /// and wss: of the same host in current browsers; older ones need the host spelled out).
    /// </summary>
    public static string ContentSecurityPolicy(HostString host)
    {
        var sameHostSockets = IsPlainHost(host) ? $" ws://{host.Value} wss://{host.Value}" : "";
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + $"connect-src 'self'{sameHostSockets}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app, bool devTokensEnabled)
    {
        if (!devTokensEnabled)
        {
            return app;
        }
        MapFile(app, "/demo", "demo.html", "text/html; charset=utf-8");
        MapFile(app, "/demo/demo.js", "demo.js", "text/javascript; charset=utf-8");
        MapFile(app, "/demo/demo.css", "demo.css", "text/css; charset=utf-8");
        return app;
    }

    private static void MapFile(IEndpointRouteBuilder app, string path, string name, string contentType)
    {
        var content = Read(name);
        app.MapGet(path, (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request.Host);
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return Results.Content(content, contentType);
        });
    }

    /// <summary>Only a host made of name, address and port characters goes into the header.</summary>
    private static bool IsPlainHost(HostString host) =>
        host.HasValue && host.Value.Length <= 255
        && host.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']');

    private static string Read(string name)
    {
        using var stream = typeof(DemoEndpoints).Assembly.GetManifestResourceStream($"Omni.Api.Demo.{name}")
            ?? throw new InvalidOperationException($"the demo's {name} is not embedded in the API assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
