using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Omni.Api.Demo;

namespace Omni.Api.GraphiQL;

/// <summary>
/// GraphiQL at the GraphQL endpoint: a browser's GET (one that accepts <c>text/html</c>) gets the IDE,
/// every other request goes on to the transports. The IDE is the npm package <c>graphiql</c>, bundled
/// when the API is built (api/GraphiQL/package.json, its lockfile and build.mjs; the MSBuild target in
/// Omni.Api.csproj) into <c>graphiql/</c> beside the assembly and served from there: nothing is fetched
/// from the internet at run time. Built without Node.js, the API serves no IDE and says so in its log.
/// </summary>
public static partial class GraphiQLExtensions
{
    /// <summary>On by default when dev tokens are (<c>Omni:Auth:DevTokens</c>), off otherwise.</summary>
    public const string SettingKey = "Omni:GraphQL:Ide";

    /// <summary>Where the bundle's files are served.</summary>
    public const string AssetsPath = "/graphiql";

    private const string DefaultQuery = """
        # Omni's GraphQL API. Catalog, stores and availability are public; for the rest pick a dev
        # token above (with dev tokens on) or set "Authorization": "Bearer ..." in the Headers tab.
        query Stores {
          stores { id name kind }
        }

        """;

    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>(SettingKey) ?? configuration.GetValue<bool>("Omni:Auth:DevTokens");

    /// <summary>The folder the build put the bundle in, or null when it was built without Node.js.</summary>
    public static string? AssetsDirectory()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "graphiql");
        return File.Exists(Path.Combine(directory, "graphiql.js")) ? directory : null;
    }

    /// <summary>Serves the IDE for <paramref name="graphQLPath"/>; call before the endpoint is mapped.</summary>
    public static WebApplication UseGraphiQL(this WebApplication app, string graphQLPath = "/graphql")
    {
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }
        if (AssetsDirectory() is not { } assets)
        {
            LogNotBuilt(app.Logger, SettingKey);
            return app;
        }
        var devTokens = app.Configuration.GetValue<bool>("Omni:Auth:DevTokens");
        app.UseWhen(
            context => context.Request.Path.Equals(graphQLPath, StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method)
                && !context.WebSockets.IsWebSocketRequest && AcceptsHtml(context.Request),
            ide => ide.Run(context => ServePage(context, graphQLPath, devTokens)));
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = AssetsPath,
            FileProvider = new PhysicalFileProvider(assets),
            OnPrepareResponse = file => file.Context.Response.Headers.XContentTypeOptions = "nosniff",
        });
        return app;
    }

    /// <summary>A browser's navigation: text/html acceptable and preferred to JSON (GraphQL clients never ask for HTML).</summary>
    private static bool AcceptsHtml(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var ranges))
        {
            return false;
        }
        double Quality(Func<MediaTypeHeaderValue, bool> match) =>
            ranges.Where(match).Select(r => r.Quality ?? 1).DefaultIfEmpty(0).Max();
        var html = Quality(r => r.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
        var json = Quality(r => r.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || r.MediaType.Equals("application/graphql-response+json", StringComparison.OrdinalIgnoreCase));
        return html > 0 && html >= json;
    }

    private static Task ServePage(HttpContext context, string graphQLPath, bool devTokens)
    {
        var basePath = context.Request.PathBase.Value ?? "";
        var config = JsonSerializer.Serialize(new { endpoint = basePath + graphQLPath, devTokens, defaultQuery = DefaultQuery });
        // The JSON sits in a script element: no "</" may end it early.
        config = config.Replace("</", "<\\/", StringComparison.Ordinal);
        var assets = WebUtility.HtmlEncode(basePath + AssetsPath);
        var page = $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>Omni GraphiQL</title>
              <link rel="stylesheet" href="{assets}/graphiql.css">
              <script id="omni-graphiql-config" type="application/json">{config}</script>
              <script type="module" src="{assets}/graphiql.js"></script>
            </head>
            <body><div id="graphiql">Loading GraphiQL…</div></body>
            </html>
            """;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request.Host);
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(page, Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>
    /// The demo's policy, plus what the editor needs: Monaco's language services run in workers from
    /// this origin, and Monaco and React set styles inline. No script runs from anywhere but the bundle.
    /// </summary>
    private static string ContentSecurityPolicy(HostString host) =>
        DemoEndpoints.ContentSecurityPolicy(host)
            .Replace("style-src 'self'", "style-src 'self' 'unsafe-inline'; font-src 'self' data:; worker-src 'self'", StringComparison.Ordinal)
            .Replace("img-src 'self'", "img-src 'self' data:", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Setting} is on but GraphiQL was not built with the API (Node.js was missing at build time): /graphql serves no IDE")]
    private static partial void LogNotBuilt(ILogger logger, string setting);
}
