using System.IO.Pipelines;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Omni.Api.Transport;

/// <summary>
/// GraphQL over HTTP (graphql.github.io/graphql-over-http): POST with a JSON body, GET with the
/// parameters in the query string (queries only), responses in the negotiated media type.
/// </summary>
internal sealed partial class GraphQLHttpHandler(
    GraphQLRequestExecutor executor,
    IGraphQLTextSerializer serializer,
    IOptions<GraphQLTransportOptions> options,
    IEnumerable<IClientRateLimit> rateLimits,
    ILogger<GraphQLHttpHandler> logger)
{
    private readonly IClientRateLimit _clients = rateLimits.LastOrDefault() ?? new ByAddressWithoutLimit();
    private const string GraphQLResponseJson = "application/graphql-response+json";
    private const string Json = "application/json";

    private readonly int _maxRequestBytes = options.Value.MaxRequestBytes;

    public async Task HandleAsync(HttpContext context)
    {
        var http = context.Request;
        var isGet = HttpMethods.IsGet(http.Method);
        if (!isGet && !HttpMethods.IsPost(http.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, Json, "METHOD_NOT_ALLOWED", "Use GET or POST.");
            return;
        }
        if (NegotiateMediaType(http.Headers.Accept) is not { } mediaType)
        {
            await RefuseAsync(context, StatusCodes.Status406NotAcceptable, Json, "NOT_ACCEPTABLE",
                $"Responses are {GraphQLResponseJson} or {Json}.");
            return;
        }

        GraphQLRequest? request;
        ExecutionError? error;
        if (isGet)
        {
            GraphQLRequestParser.TryParseQueryString(http.Query, serializer, out request, out error);
        }
        else if (!IsJsonContent(http.ContentType))
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, mediaType, "UNSUPPORTED_MEDIA_TYPE",
                $"POST a {Json} body in UTF-8.");
            return;
        }
        else
        {
            var body = http.ContentLength is null || http.ContentLength <= _maxRequestBytes
                ? await ReadBodyAsync(http.BodyReader, context.RequestAborted)
                : null;
            if (body is not { } read)
            {
                await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, mediaType, "REQUEST_TOO_LARGE",
                    $"The request body is larger than {_maxRequestBytes} bytes.");
                return;
            }
            try
            {
                GraphQLRequestParser.TryParseBody(read.Buffer, serializer, out request, out error);
            }
            finally
            {
                http.BodyReader.AdvanceTo(read.Buffer.End);
            }
        }
        if (request is null)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, mediaType, error!);
            return;
        }

        var transport = isGet ? GraphQLTransportKind.HttpGet : GraphQLTransportKind.HttpPost;
        var result = await executor.ExecuteAsync(request, transport, context.User,
            _clients.ClientOf(context.User, context.Connection.RemoteIpAddress), context.RequestServices, context.RequestAborted);
        if (isGet && result.Errors?.Any(e => e is OperationNotAllowedError { OperationType: OperationType.Mutation }) == true)
        {
            // The spec's one rule that holds whatever the media type: GET never runs a mutation.
            context.Response.Headers.Allow = "POST";
            await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, mediaType, result);
            return;
        }
        if (result.Errors?.Any(e => e.Code is PersistedQuery.NotFound) == true)
        {
            // A GET naming a hash is cacheable; its miss must not be cached, or the text sent next would never be seen.
            context.Response.Headers.CacheControl = "no-store";
        }
        await WriteAsync(context, StatusFor(result, mediaType), mediaType, result);
    }

    /// <summary>
    /// With application/json every well-formed request gets 200 (intermediaries may rewrite other
    /// codes). With application/graphql-response+json a result without data, one that failed to
    /// parse, validate or coerce its variables, gets 400; a server fault before execution, 500.
    /// </summary>
    private static int StatusFor(ExecutionResult result, string mediaType) =>
        mediaType == Json || result.Executed ? StatusCodes.Status200OK
        : result.Errors?.Any(e => e is UnhandledError) == true ? StatusCodes.Status500InternalServerError
        : StatusCodes.Status400BadRequest;

    /// <summary>
    /// Picks the response media type from Accept, highest quality first. No Accept means
    /// graphql-response+json (the spec's default since 2025); a wildcard means application/json,
    /// the type legacy clients (Node's fetch sends */*) understand. Null: nothing acceptable.
    /// </summary>
    private static string? NegotiateMediaType(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept))
        {
            return GraphQLResponseJson;
        }
        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges))
        {
            return null;
        }
        foreach (var range in ranges.Where(r => r.Quality is not 0).OrderByDescending(r => r.Quality ?? 1))
        {
            if (!IsUtf8(range))
            {
                continue;
            }
            var type = range.MediaType;
            if (type.Equals(GraphQLResponseJson, StringComparison.OrdinalIgnoreCase))
            {
                return GraphQLResponseJson;
            }
            if (type.Equals(Json, StringComparison.OrdinalIgnoreCase) || type.Equals("*/*", StringComparison.Ordinal)
                || type.Equals("application/*", StringComparison.OrdinalIgnoreCase))
            {
                return Json;
            }
        }
        return null;
    }

    private static bool IsJsonContent(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase)
        && IsUtf8(parsed);

    private static bool IsUtf8(MediaTypeHeaderValue mediaType) =>
        !mediaType.Charset.HasValue || mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the whole body, or returns null as soon as it grows past the limit.</summary>
    private async Task<ReadResult?> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.Length > _maxRequestBytes)
            {
                reader.AdvanceTo(read.Buffer.End);
                return null;
            }
            if (read.IsCompleted)
            {
                return read;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private Task RefuseAsync(HttpContext context, int status, string mediaType, string code, string message) =>
        RefuseAsync(context, status, mediaType, GraphQLRequestParser.Error(code, message));

    private Task RefuseAsync(HttpContext context, int status, string mediaType, ExecutionError error)
    {
        LogRefused(logger, context.Request.Method, status, error.Code, error.Message);
        return WriteAsync(context, status, mediaType, new ExecutionResult(error));
    }

    /// <summary>Streams the serializer straight into the response body.</summary>
    private async Task WriteAsync(HttpContext context, int status, string mediaType, ExecutionResult result)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = mediaType + "; charset=utf-8";
        await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL {Method} request refused with {Status} {Code}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, int status, string? code, string reason);
}
