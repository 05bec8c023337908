using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Omni.LoadTests.GraphQL;

/// <summary>
/// One device's WebSocket to an API node speaking graphql-transport-ws (the graphql-ws
/// PROTOCOL.md): <c>connection_init</c> with the bearer token, then <c>subscribe</c> messages, each
/// of whose <c>next</c> events is handed to a callback together with the moment it arrived.
/// Answers the server's pings. One receive loop, one send at a time.
/// </summary>
public sealed class GraphQLSubscriber : IAsyncDisposable
{
    public const string SubProtocol = "graphql-transport-ws";

    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker _invoker;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private readonly TimeProvider _time;
    private Task _receiving = Task.CompletedTask;
    private volatile bool _disposing;

    private GraphQLSubscriber(ClientWebSocket socket, HttpMessageInvoker invoker, TimeProvider time)
    {
        _socket = socket;
        _invoker = invoker;
        _time = time;
    }

    /// <summary>Why the socket ended, once it has: a close status and description, or the transport error.</summary>
    public string? ClosedBecause { get; private set; }

    /// <summary>
    /// Opens the socket and completes the <c>connection_init</c> / <c>connection_ack</c> handshake. When
    /// <paramref name="localAddress"/> is given the socket leaves from that address: load from one
    /// machine then looks like many devices to the API's per-client socket limit.
    /// </summary>
    public static async Task<GraphQLSubscriber> Connect(Uri graphqlEndpoint, string? token, IPAddress? localAddress,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(graphqlEndpoint) { Scheme = graphqlEndpoint.Scheme == "https" ? "wss" : "ws" }.Uri;
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = (context, ct) => LoopbackSources.Connect(localAddress, context.DnsEndPoint, ct),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        });
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(SubProtocol);
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // graphql-ws pings at the protocol level
        var subscriber = new GraphQLSubscriber(socket, invoker, time);
        try
        {
            await socket.ConnectAsync(uri, invoker, cancellationToken);
            await subscriber.Send(token is null
                ? new { type = "connection_init" }
                : new { type = "connection_init", payload = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" } },
                cancellationToken);
            var ack = await subscriber.ReceiveMessage(cancellationToken);
            using (ack)
            {
                var type = ack?.RootElement.GetProperty("type").GetString();
                if (type != "connection_ack")
                {
                    throw new WebSocketException(WebSocketError.InvalidState,
                        $"expected connection_ack, got {type ?? $"close {socket.CloseStatus} {socket.CloseStatusDescription}"}");
                }
            }
            subscriber._receiving = Task.Run(subscriber.ReceiveLoop, CancellationToken.None);
            return subscriber;
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts an operation. <paramref name="onNext"/> gets each <c>next</c> payload (valid during the
    /// call only) and its arrival timestamp; <paramref name="onEnd"/> gets null on <c>complete</c>, or why
    /// it ended (an <c>error</c> message, or the socket closing).
    /// </summary>
    public Task Subscribe(string id, string query, object? variables, Action<JsonElement, long> onNext, Action<string?>? onEnd,
        CancellationToken cancellationToken)
    {
        if (!_subscriptions.TryAdd(id, new Subscription(onNext, onEnd)))
        {
            throw new InvalidOperationException($"subscription id '{id}' is in use on this socket");
        }
        return Send(new { id, type = "subscribe", payload = new { query, variables } }, cancellationToken);
    }

    private async Task ReceiveLoop()
    {
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                using var message = await ReceiveMessage(_closing.Token);
                if (message is null)
                {
                    ClosedBecause = _disposing ? "closed by the client" : $"closed by the server: {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    break;
                }
                var arrived = _time.GetTimestamp();
                var root = message.RootElement;
                var type = root.GetProperty("type").GetString();
                var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
                switch (type)
                {
                    case "next" when id is not null && _subscriptions.TryGetValue(id, out var subscription):
                        subscription.OnNext(root.GetProperty("payload"), arrived);
                        break;
                    case "error" when id is not null && _subscriptions.TryRemove(id, out var failed):
                        failed.OnEnd?.Invoke($"error: {root.GetProperty("payload")}");
                        break;
                    case "complete" when id is not null && _subscriptions.TryRemove(id, out var completed):
                        completed.OnEnd?.Invoke(null);
                        break;
                    case "ping":
                        await Send(new { type = "pong" }, _closing.Token);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is WebSocketException or IOException or JsonException or InvalidOperationException or ObjectDisposedException)
        {
            ClosedBecause = _disposing ? "closed by the client" : $"socket lost: {e.Message}";
        }
        foreach (var id in _subscriptions.Keys)
        {
            if (_subscriptions.TryRemove(id, out var ended))
            {
                ended.OnEnd?.Invoke(ClosedBecause ?? "socket closed");
            }
        }
    }

    /// <summary>The next whole text message, or null when the server closed the socket.</summary>
    private async Task<JsonDocument?> ReceiveMessage(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            var frame = await _socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            buffer.Advance(frame.Count);
            if (frame.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.WrittenMemory);
            }
        }
    }

    private async Task Send(object message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, GraphQLJson.Options);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                // The server answers with its close frame, which ends the receive loop.
                await _receiving.WaitAsync(timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or TimeoutException)
            {
            }
        }
        await _closing.CancelAsync();
        try
        {
            await _receiving;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
        _socket.Dispose();
        _invoker.Dispose();
        _sending.Dispose();
        _closing.Dispose();
    }

    private sealed record Subscription(Action<JsonElement, long> OnNext, Action<string?>? OnEnd);
}
