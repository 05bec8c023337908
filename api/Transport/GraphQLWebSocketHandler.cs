using System.Net;
using System.Security.Claims;
using GraphQL;
using Microsoft.Extensions.Options;

namespace Omni.Api.Transport;

/// <summary>
/// Accepts GraphQL WebSocket upgrades: only for the graphql-transport-ws subprotocol, and only while
/// the client (<see cref="IClientRateLimit.ClientOf"/>: its token's subject, else its address) holds
/// fewer than <see cref="GraphQLTransportOptions.MaxSocketsPerClient"/> sockets.
/// </summary>
internal sealed partial class GraphQLWebSocketHandler(
    GraphQLRequestExecutor executor,
    IGraphQLTextSerializer serializer,
    IOptions<GraphQLTransportOptions> options,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    IEnumerable<IClientRateLimit> rateLimits,
    ILogger<GraphQLWebSocketSession> logger)
{
    private readonly IClientRateLimit _clients = rateLimits.LastOrDefault() ?? new ByAddressWithoutLimit();
    private readonly ClientSockets _sockets = new(options.Value.MaxSocketsPerClient);

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(GraphQLWebSocketSession.SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"GraphQL over WebSocket speaks the {GraphQLWebSocketSession.SubProtocol} subprotocol only.");
            return;
        }
        var address = context.Connection.RemoteIpAddress;
        var client = _clients.ClientOf(context.User, address);
        if (_sockets.TryOpen(client) is not { } slot)
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
                executor, serializer, options.Value, scopes, new SocketClient(_clients, address, slot), logger);
            await session.RunAsync(context.RequestAborted, lifetime.ApplicationStopping);
        }
        finally
        {
            slot.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a GraphQL socket: {Client} already holds the most sockets allowed")]
    private static partial void LogTooManySockets(ILogger logger, string client);
}

/// <summary>Who a socket counts against: its slot under the socket cap and its operations' rate limit.</summary>
internal sealed class SocketClient(IClientRateLimit limits, IPAddress? address, ClientSockets.Slot slot)
{
    /// <summary>Takes a permit for one operation from the budget of whoever the socket's user now is.</summary>
    public bool TryAcquire(ClaimsPrincipal user) => limits.TryAcquire(ClientOf(user));

    /// <summary>Who the socket's operations count against, as <see cref="GraphQLUserContext.Client"/>.</summary>
    public string ClientOf(ClaimsPrincipal user) => limits.ClientOf(user, address);

    /// <summary>A token in <c>connection_init</c> makes the socket count against its subject from then on.</summary>
    public bool TryBecome(ClaimsPrincipal user) => slot.TryMoveTo(limits.ClientOf(user, address));
}

/// <summary>Open sockets per client, each at most <c>max</c>.</summary>
internal sealed class ClientSockets(int max)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>A slot for one more socket of <paramref name="client"/>, or null when it holds the most allowed.</summary>
    public Slot? TryOpen(string client)
    {
        lock (_lock)
        {
            return TryAdd(client) ? new Slot(this, client) : null;
        }
    }

    private bool TryAdd(string client)
    {
        var open = _open.GetValueOrDefault(client);
        if (open >= max)
        {
            return false;
        }
        _open[client] = open + 1;
        return true;
    }

    private void Remove(string client)
    {
        var open = _open[client] - 1;
        if (open == 0)
        {
            _open.Remove(client);
        }
        else
        {
            _open[client] = open;
        }
    }

    /// <summary>One open socket's place in its client's count.</summary>
    public sealed class Slot(ClientSockets sockets, string client) : IDisposable
    {
        private string? _client = client;

        /// <summary>Counts the socket against <paramref name="other"/> instead; false (and unchanged) when that one is full.</summary>
        public bool TryMoveTo(string other)
        {
            lock (sockets._lock)
            {
                if (_client is null || _client == other)
                {
                    return _client is not null;
                }
                if (!sockets.TryAdd(other))
                {
                    return false;
                }
                sockets.Remove(_client);
                _client = other;
                return true;
            }
        }

        public void Dispose()
        {
            lock (sockets._lock)
            {
                if (_client is not null)
                {
                    sockets.Remove(_client);
                    _client = null;
                }
            }
        }
    }
}
