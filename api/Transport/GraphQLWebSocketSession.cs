using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GraphQL;
using GraphQL.Transport;
using GraphQLParser.AST;

namespace Omni.Api.Transport;

/// <summary>
/// One socket speaking graphql-transport-ws (the graphql-ws PROTOCOL.md). A single receive loop
/// handles the client's messages in order; a single writer task sends everything the server says,
/// from a bounded queue, so a slow client never blocks a subscription's source, other operations or
/// other sockets. When that queue overflows the socket is closed with 1013 (Try Again Later): the
/// graphql-ws client treats it as retryable and resubscribes, fetching fresh state.
/// </summary>
internal sealed partial class GraphQLWebSocketSession
{
    public const string SubProtocol = "graphql-transport-ws";

    private const WebSocketCloseStatus BadRequest = (WebSocketCloseStatus)4400;
    private const WebSocketCloseStatus Unauthorized = (WebSocketCloseStatus)4401;
    private const WebSocketCloseStatus Forbidden = (WebSocketCloseStatus)4403;
    private const WebSocketCloseStatus InitTimeout = (WebSocketCloseStatus)4408;
    private const WebSocketCloseStatus SubscriberExists = (WebSocketCloseStatus)4409;
    private const WebSocketCloseStatus TooManyInitialisations = (WebSocketCloseStatus)4429;
    private const WebSocketCloseStatus TooManySockets = (WebSocketCloseStatus)4429;
    private const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>How long a closing client gets to answer our close frame (or read its backlog) before the socket is aborted.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly WebSocket _socket;
    private readonly GraphQLRequestExecutor _executor;
    private readonly IGraphQLTextSerializer _serializer;
    private readonly GraphQLTransportOptions _options;
    private readonly IServiceScopeFactory _scopes;
    private readonly IConnectionInitAuthenticator? _authenticator;
    private readonly SocketClient _client;
    private readonly ILogger _logger;
    private readonly Channel<OperationMessage> _outbox;
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the socket starts closing: stops every operation and the init timer.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Aborts the socket when a close handshake takes too long.</summary>
    private readonly CancellationTokenSource _abortAfterClose = new();

    private ClaimsPrincipal _user;
    private bool _initReceived;
    private volatile bool _acknowledged;
    private CloseRequest? _close;

    public GraphQLWebSocketSession(WebSocket socket, ClaimsPrincipal user, IConnectionInitAuthenticator? authenticator,
        GraphQLRequestExecutor executor, IGraphQLTextSerializer serializer, GraphQLTransportOptions options,
        IServiceScopeFactory scopes, SocketClient client, ILogger logger)
    {
        _socket = socket;
        _client = client;
        _user = user;
        _authenticator = authenticator;
        _executor = executor;
        _serializer = serializer;
        _options = options;
        _scopes = scopes;
        _logger = logger;
        _outbox = Channel.CreateBounded<OperationMessage>(new BoundedChannelOptions(options.SubscriberQueueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: a full queue is refused, never waited on
        });
        _abortAfterClose.Token.Register(socket.Abort);
    }

    public async Task RunAsync(CancellationToken requestAborted, CancellationToken applicationStopping)
    {
        var writer = WriteLoopAsync();
        _ = CloseUnlessAcknowledgedAsync();
        _ = CloseWhenTokenExpiresAsync(_user);
        // 1001 Going Away tells graphql-ws clients to reconnect, to another API node during a rolling deploy.
        using var shutdown = applicationStopping.Register(() => Close(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"));
        try
        {
            await ReceiveLoopAsync(requestAborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            LogSocketLost(_logger, e.Message);
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "");
            await writer;
            // Operations still finishing only touch the completed outbox and their own DI scopes.
            _abortAfterClose.Dispose();
            _stopping.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken requestAborted)
    {
        var message = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            message.ResetWrittenCount();
            var tooLarge = false;
            ValueWebSocketReceiveResult frame;
            do
            {
                frame = await _socket.ReceiveAsync(message.GetMemory(4096), requestAborted);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                message.Advance(frame.Count);
                if (message.WrittenCount > _options.MaxRequestBytes)
                {
                    tooLarge = true;
                    message.ResetWrittenCount();
                }
            }
            while (!frame.EndOfMessage);

            if (_close is not null)
            {
                continue; // closing: read on until the client's close frame
            }
            if (tooLarge)
            {
                Close(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_options.MaxRequestBytes} bytes");
            }
            else if (frame.MessageType != WebSocketMessageType.Text)
            {
                Close(BadRequest, "Messages must be JSON text");
            }
            else
            {
                await OnMessageAsync(message.WrittenMemory);
            }
        }
    }

    private async Task OnMessageAsync(ReadOnlyMemory<byte> text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            Close(BadRequest, "Invalid JSON message");
            return;
        }
        using (document)
        {
            try
            {
                await OnMessageAsync(document.RootElement);
            }
            catch (Exception e) when (GraphQLRequestParser.IsUnreadableText(e))
            {
                // A string escaping half a surrogate pair (\ud800): System.Text.Json cannot read it.
                Close(BadRequest, "Invalid text in message");
            }
        }
    }

    private async Task OnMessageAsync(JsonElement message)
    {
        var type = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("type", out var found)
            && found.ValueKind == JsonValueKind.String ? found.GetString() : null;
        switch (type)
        {
            case "connection_init":
                await OnConnectionInitAsync(message);
                break;
            case "subscribe":
                OnSubscribe(message);
                break;
            case "complete":
                OnComplete(message);
                break;
            case "ping":
                OnPing(message);
                break;
            case "pong":
                break; // an answer to our ping, or an unsolicited heartbeat: nothing to do
            case null:
                Close(BadRequest, "Messages need a 'type' string");
                break;
            default:
                Close(BadRequest, $"Unsupported message type '{type}'");
                break;
        }
    }

    private async Task OnConnectionInitAsync(JsonElement message)
    {
        if (_initReceived)
        {
            Close(TooManyInitialisations, "Too many initialisation requests");
            return;
        }
        _initReceived = true;
        if (!TryGetPayload(message, out var payload))
        {
            Close(BadRequest, "The connection_init payload must be an object");
            return;
        }
        // Browsers cannot set headers on an upgrade, so a bearer token may come in the payload instead.
        if (_authenticator is not null && _user.Identity?.IsAuthenticated != true)
        {
            ClaimsPrincipal? user;
            try
            {
                GraphQLRequestParser.TryReadMap(payload, _serializer, out var map);
                user = await _authenticator.Authenticate(map, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return; // the init timeout closed the socket meanwhile
            }
            catch (Exception e)
            {
                LogAuthenticatorFailed(_logger, e);
                user = null;
            }
            if (user is null)
            {
                Close(Forbidden, "Forbidden");
                return;
            }
            if (!_client.TryBecome(user))
            {
                Close(TooManySockets, "Too many sockets for this client");
                return;
            }
            _user = user;
            _ = CloseWhenTokenExpiresAsync(user);
        }
        if (_close is null)
        {
            _acknowledged = true;
            Send(new OperationMessage { Type = "connection_ack" });
        }
    }

    private void OnSubscribe(JsonElement message)
    {
        if (!_acknowledged)
        {
            Close(Unauthorized, "Unauthorized");
            return;
        }
        if (!TryGetId(message, out var id))
        {
            Close(BadRequest, "A subscribe message needs an 'id' string");
            return;
        }
        if (!message.TryGetProperty("payload", out var payload)
            || !GraphQLRequestParser.TryParseObject(payload, _serializer, out var request, out _))
        {
            Close(BadRequest, "A subscribe message needs a payload with a 'query' string");
            return;
        }
        // Only this loop adds operations, so checking and then adding cannot race.
        if (_operations.ContainsKey(id))
        {
            Close(SubscriberExists, $"Subscriber for {id} already exists");
            return;
        }
        // Each operation on a socket costs its client what a request over HTTP costs: one permit.
        if (!_client.TryAcquire(_user))
        {
            Send(Error(id, [GraphQLRequestParser.Error("RATE_LIMITED", "Too many requests from this client: slow down and retry.")]));
            return;
        }
        if (_operations.Count >= _options.MaxOperationsPerSocket)
        {
            Send(Error(id, [GraphQLRequestParser.Error("TOO_MANY_OPERATIONS",
                $"A socket may run at most {_options.MaxOperationsPerSocket} operations at once.")]));
            return;
        }
        var operation = new Operation(id, _stopping.Token);
        _operations[id] = operation;
        _ = RunOperationAsync(operation, request);
    }

    private void OnComplete(JsonElement message)
    {
        if (!TryGetId(message, out var id))
        {
            Close(BadRequest, "A complete message needs an 'id' string");
            return;
        }
        // Unknown ids are ignored: the operation may have just finished on its own.
        if (_operations.TryRemove(id, out var operation))
        {
            operation.Stop();
        }
    }

    private void OnPing(JsonElement message)
    {
        if (!TryGetPayload(message, out var payload))
        {
            Close(BadRequest, "The ping payload must be an object");
            return;
        }
        Send(new OperationMessage { Type = "pong", Payload = payload.ValueKind == JsonValueKind.Object ? payload.Clone() : null });
    }

    private async Task RunOperationAsync(Operation operation, GraphQLRequest request)
    {
        try
        {
            // A scope per operation: operations run concurrently and outlive no request of their own.
            await using var scope = _scopes.CreateAsyncScope();
            var result = await _executor.ExecuteAsync(request, GraphQLTransportKind.WebSocket, _user, _client.ClientOf(_user),
                scope.ServiceProvider, operation.Token);
            if (result.Streams is { Count: > 0 } streams)
            {
                await StreamAsync(operation, streams.Values.First());
            }
            else if (!result.Executed || result.Operation?.Operation == OperationType.Subscription)
            {
                Finish(operation, Error(operation.Id, result.Errors ?? []));
            }
            else if (!operation.Token.IsCancellationRequested)
            {
                Send(Next(operation.Id, result));
                Finish(operation, new OperationMessage { Type = "complete", Id = operation.Id });
            }
        }
        catch (OperationCanceledException) when (operation.Token.IsCancellationRequested)
        {
            // completed by the client, or the socket is closing
        }
        catch (Exception e)
        {
            LogOperationFailed(_logger, operation.Id, e);
            Finish(operation, Error(operation.Id, [_executor.ErrorFor(e)]));
        }
        finally
        {
            _operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation));
            operation.Dispose();
        }
    }

    /// <summary>Relays a subscription's results until it ends or is stopped; leaving disposes the source subscription.</summary>
    private async Task StreamAsync(Operation operation, IObservable<ExecutionResult> stream)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = stream.Subscribe(new StreamObserver(this, operation, ended));
        using var stopped = operation.Token.Register(() => ended.TrySetResult());
        await ended.Task;
    }

    /// <summary>
    /// Ends an operation with its last message, unless the client completed it first. Removing the
    /// id before sending lets the client reuse it as soon as it sees the message.
    /// </summary>
    private void Finish(Operation operation, OperationMessage last)
    {
        if (_operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation)))
        {
            Send(last);
        }
    }

    /// <summary>Queues a message for the writer, never waiting: a full queue means the client is too slow.</summary>
    private void Send(OperationMessage message)
    {
        if (!_outbox.Writer.TryWrite(message) && _close is null)
        {
            LogSubscriberTooSlow(_logger, _options.SubscriberQueueLimit);
            Close(TryAgainLater, "Subscriber too slow");
        }
    }

    /// <summary>Starts closing the socket, once: the first reason wins.</summary>
    private void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.CompareExchange(ref _close, new CloseRequest(status, FitCloseReason(reason)), null) is not null)
        {
            return;
        }
        if (status != WebSocketCloseStatus.NormalClosure)
        {
            LogClosing(_logger, (int)status, reason);
        }
        _stopping.Cancel();
        _outbox.Writer.TryComplete();
        _abortAfterClose.CancelAfter(CloseHandshakeTimeout);
    }

    private async Task CloseUnlessAcknowledgedAsync()
    {
        try
        {
            await Task.Delay(_options.ConnectionInitTimeout, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (!_acknowledged)
        {
            Close(InitTimeout, "Connection initialisation timeout");
        }
    }

    /// <summary>
    /// A socket must not outlive the token it was opened with: at the token's <c>exp</c> it is closed
    /// with 4403, as HTTP would then answer UNAUTHENTICATED. The client reconnects with a fresh token.
    /// </summary>
    private async Task CloseWhenTokenExpiresAsync(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true
            || !long.TryParse(user.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var exp))
        {
            return;
        }
        var left = DateTimeOffset.FromUnixTimeSeconds(Math.Min(exp, DateTimeOffset.MaxValue.ToUnixTimeSeconds())) - DateTimeOffset.UtcNow;
        try
        {
            // Task.Delay takes at most about 49 days; a token living longer is checked again then.
            while (left > TimeSpan.Zero)
            {
                var wait = left < MaxDelay ? left : MaxDelay;
                await Task.Delay(wait, _stopping.Token);
                left -= wait;
            }
        }
        catch (OperationCanceledException)
        {
            return; // closing anyway
        }
        Close(Forbidden, "Token expired");
    }

    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(30);

    /// <summary>The one sender on this socket: WebSocket allows a single send at a time.</summary>
    private async Task WriteLoopAsync()
    {
        using var buffer = new MemoryStream();
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (_close is null && reader.TryRead(out var message))
                {
                    buffer.SetLength(0);
                    await _serializer.WriteAsync(buffer, message);
                    await _socket.SendAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
                if (_close is not null)
                {
                    break; // what is still queued is dropped: the socket is going away
                }
            }
            // The outbox only completes through Close, so there is a close request here.
            if (_close is { } close && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(close.Status, close.Reason, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogSocketLost(_logger, e.Message);
        }
    }

    private static bool TryGetId(JsonElement message, out string id)
    {
        id = message.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        return id.Length > 0;
    }

    /// <summary>A payload is optional; when present it is an object or null.</summary>
    private static bool TryGetPayload(JsonElement message, out JsonElement payload)
    {
        payload = message.TryGetProperty("payload", out var value) ? value : default;
        return payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object;
    }

    private static OperationMessage Next(string id, ExecutionResult result) => new() { Type = "next", Id = id, Payload = result };

    private static OperationMessage Error(string id, IEnumerable<ExecutionError> errors) => new() { Type = "error", Id = id, Payload = errors.ToArray() };

    /// <summary>A close reason may hold at most 123 UTF-8 bytes, and ours can quote a client's id.</summary>
    private static string FitCloseReason(string reason)
    {
        while (Encoding.UTF8.GetByteCount(reason) > 123)
        {
            reason = reason[..^1];
        }
        return reason;
    }

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Reason);

    /// <summary>One active operation; its token stops it when the client completes it or the socket closes.</summary>
    private sealed class Operation : IDisposable
    {
        private readonly CancellationTokenSource _cancellation;

        public Operation(string id, CancellationToken socketStopping)
        {
            Id = id;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(socketStopping);
            Token = _cancellation.Token;
        }

        public string Id { get; }

        public CancellationToken Token { get; }

        public void Stop()
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // already finished
            }
        }

        public void Dispose() => _cancellation.Dispose();
    }

    /// <summary>Turns a subscription's results into next / error / complete messages, without ever blocking its source.</summary>
    private sealed class StreamObserver(GraphQLWebSocketSession session, Operation operation, TaskCompletionSource ended) : IObserver<ExecutionResult>
    {
        public void OnNext(ExecutionResult value)
        {
            if (!operation.Token.IsCancellationRequested)
            {
                session.Send(Next(operation.Id, value));
            }
        }

        public void OnError(Exception error)
        {
            // graphql-dotnet hands stream failures over as ExecutionErrors, already through the executor's
            // UnhandledExceptionDelegate; anything else gets the same stable code and generic message.
            if (error is not ExecutionError)
            {
                LogStreamFailed(session._logger, operation.Id, error);
            }
            var executionError = error as ExecutionError ?? session._executor.ErrorFor(error);
            session.Finish(operation, Error(operation.Id, [executionError]));
            ended.TrySetResult();
        }

        public void OnCompleted()
        {
            session.Finish(operation, new OperationMessage { Type = "complete", Id = operation.Id });
            ended.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing GraphQL socket with {Status}: {Reason}")]
    private static partial void LogClosing(ILogger logger, int status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL socket lost: {Reason}")]
    private static partial void LogSocketLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GraphQL subscriber fell more than {Limit} messages behind; closing its socket")]
    private static partial void LogSubscriberTooSlow(ILogger logger, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connection_init authenticator failed; refusing the socket")]
    private static partial void LogAuthenticatorFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The event stream of GraphQL operation {Id} failed")]
    private static partial void LogStreamFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL operation {Id} failed")]
    private static partial void LogOperationFailed(ILogger logger, string id, Exception exception);
}
