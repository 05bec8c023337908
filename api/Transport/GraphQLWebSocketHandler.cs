using System.Net;
using GraphQL;
using Microsoft.Extensions.Options;

namespace Omni.Api.Transport;

/// <summary>
/// Accepts GraphQL WebSocket upgrades: only for the graphql-transport-ws subprotocol, and only while
/// the client's IP address holds fewer than <see cref="GraphQLTransportOptions.MaxSocketsPerClient"/> sockets.
/// </summary>
internal sealed partial class GraphQLWebSocketHandler(
    GraphQLRequestExecutor executor,
    IGraphQLTextSerializer serializer,
    IOptions<GraphQLTransportOptions> options,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    ILogger<GraphQLWebSocketSession> logger)
{
    private readonly Dictionary<IPAddress, int> _socketsPerClient = [];
    private readonly Lock _socketsLock = new();

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(GraphQLWebSocketSession.SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"GraphQL over WebSocket speaks the {GraphQLWebSocketSession.SubProtocol} subprotocol only.");
            return;
        }
        var client = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (!TryOpenSocket(client))
        {
            LogTooManySockets(logger, client);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(GraphQLWebSocketSession.SubProtocol);
            var session = new GraphQLWebSocketSession(socket, context.User,
                context.RequestServices.GetService<IConnectionInitAuthenticator>(),
                executor, serializer, options.Value, scopes, logger);
            await session.RunAsync(context.RequestAborted, lifetime.ApplicationStopping);
        }
        finally
        {
            CloseSocket(client);
        }
    }

    private bool TryOpenSocket(IPAddress client)
    {
        lock (_socketsLock)
        {
            var open = _socketsPerClient.GetValueOrDefault(client);
            if (open >= options.Value.MaxSocketsPerClient)
            {
                return false;
            }
            _socketsPerClient[client] = open + 1;
            return true;
        }
    }

    private void CloseSocket(IPAddress client)
    {
        lock (_socketsLock)
        {
            var open = _socketsPerClient[client] - 1;
            if (open == 0)
            {
                _socketsPerClient.Remove(client);
            }
            else
            {
                _socketsPerClient[client] = open;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a GraphQL socket: {Client} already holds the most sockets allowed")]
    private static partial void LogTooManySockets(ILogger logger, IPAddress client);
}
