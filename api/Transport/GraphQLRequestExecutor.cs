using System.Security.Claims;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;

namespace Omni.Api.Transport;

/// <summary>Where a request came in: decides which operation types it may run.</summary>
internal enum GraphQLTransportKind
{
    HttpGet,
    HttpPost,
    WebSocket,
}

/// <summary>
/// Runs one GraphQL request against whatever <see cref="ISchema"/> is registered, with the transport
/// limits as validation rules, so both transports execute the same way.
/// </summary>
internal sealed partial class GraphQLRequestExecutor
{
    private readonly IDocumentExecuter _executer;
    private readonly ClientFailures _failures;
    private readonly ILogger<GraphQLRequestExecutor> _logger;
    private readonly IValidationRule[] _httpGetRules;
    private readonly IValidationRule[] _httpPostRules;
    private readonly IValidationRule[] _webSocketRules;
    private readonly IValidationRule[] _cachedHttpGetRules;
    private readonly IValidationRule[] _cachedHttpPostRules;
    private readonly IValidationRule[] _cachedWebSocketRules;

    public GraphQLRequestExecutor(IDocumentExecuter executer, ClientFailures failures, IOptions<GraphQLTransportOptions> options,
        ILogger<GraphQLRequestExecutor> logger)
    {
        _executer = executer;
        _failures = failures;
        _logger = logger;
        var limits = options.Value;
        // The spec's rules, the alias limit and introspection's switch judge the whole document, so a
        // document that passed them once (GraphQLDocumentCache) need not be judged by them again; depth
        // and complexity are measured on the operation picked, and the transport decides which
        // operation types may run, so those two rules run on every request.
        IValidationRule[] documentWide =
        [
            .. DocumentValidator.CoreRules,
            new MaxAliasesRule(limits.MaxAliases),
            .. limits.EnableIntrospection ? Array.Empty<IValidationRule>() : [NoIntrospectionValidationRule.Instance],
        ];
        var complexity = new DepthAndComplexityRule(limits.MaxDepth, limits.MaxComplexity);
        _cachedHttpGetRules = [complexity, new AllowedOperationsRule(OperationType.Query)];
        _cachedHttpPostRules = [complexity, new AllowedOperationsRule(OperationType.Query, OperationType.Mutation)];
        _cachedWebSocketRules = [complexity];
        _httpGetRules = [.. documentWide, .. _cachedHttpGetRules];
        _httpPostRules = [.. documentWide, .. _cachedHttpPostRules];
        _webSocketRules = [.. documentWide, .. _cachedWebSocketRules];
    }

    /// <summary>
    /// Runs <paramref name="request"/> as <paramref name="user"/>; <paramref name="client"/> is who it
    /// counts against (<see cref="IClientRateLimit.ClientOf"/>), for resolvers in <see cref="GraphQLUserContext"/>.
    /// </summary>
    public Task<ExecutionResult> ExecuteAsync(GraphQLRequest request, GraphQLTransportKind transport,
        ClaimsPrincipal user, string client, IServiceProvider services, CancellationToken cancellationToken) =>
        _executer.ExecuteAsync(new ExecutionOptions
        {
            UserContext = new GraphQLUserContext(client),
            Schema = services.GetRequiredService<ISchema>(),
            Query = request.Query,
            OperationName = request.OperationName,
            Variables = request.Variables,
            Extensions = request.Extensions,
            User = user,
            RequestServices = services,
            CancellationToken = cancellationToken,
            ValidationRules = transport switch
            {
                GraphQLTransportKind.HttpGet => _httpGetRules,
                GraphQLTransportKind.HttpPost => _httpPostRules,
                _ => _webSocketRules,
            },
            CachedDocumentValidationRules = transport switch
            {
                GraphQLTransportKind.HttpGet => _cachedHttpGetRules,
                GraphQLTransportKind.HttpPost => _cachedHttpPostRules,
                _ => _cachedWebSocketRules,
            },
            // Left to graphql-dotnet, an exception's type becomes the error's code (TIMEOUT,
            // ORLEANS_MESSAGE_REJECTION...): internals a client cannot act on. It gets a stable code
            // instead, UNAVAILABLE or INTERNAL; the details belong in the server log.
            UnhandledExceptionDelegate = context =>
            {
                LogResolverFailed(_logger, context.FieldContext?.FieldDefinition.Name, context.OriginalException);
                context.Exception = _failures.ErrorFor(context.OriginalException);
                return Task.CompletedTask;
            },
        });

    /// <summary>What a client is told of a failure outside graphql-dotnet's execution (a socket's operation, an event stream).</summary>
    public ExecutionError ErrorFor(Exception exception) => _failures.ErrorFor(exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL execution failed in field {Field}")]
    private static partial void LogResolverFailed(ILogger logger, string? field, Exception exception);
}

/// <summary>What a resolver knows of its request beyond the user: who it counts against.</summary>
public sealed class GraphQLUserContext(string client) : Dictionary<string, object?>
{
    /// <summary>The caller as the transport's limits count it: its token's subject, else <c>ip:&lt;address&gt;</c>.</summary>
    public string Client { get; } = client;
}
