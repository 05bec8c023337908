using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Omni.Tests.Api.Transport;

/// <summary>
/// A raw <see cref="ClientWebSocket"/> speaking graphql-transport-ws by hand. Every receive has a
/// deadline, so a test waits on messages, never on the clock.
/// </summary>
public sealed class TestSocket : IAsyncDisposable
{
    public const string SubProtocol = "graphql-transport-ws";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly ClientWebSocket _socket;

    private TestSocket(ClientWebSocket socket) => _socket = socket;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
    /// <summary>The subprotocol the server chose in its 101 answer.</summary>
    public string? AgreedSubProtocol => _socket.SubProtocol;
    public string? CloseReason => _socket.CloseStatusDescription;

    public static async Task<TestSocket> Connect(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(SubProtocol);
        configure?.Invoke(socket.Options);
        using var deadline = new CancellationTokenSource(Deadline);
        await socket.ConnectAsync(uri, deadline.Token);
        return new TestSocket(socket);
    }

    public Task Send(object message) => SendText(JsonSerializer.Serialize(message));

    public async Task SendText(string text)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, deadline.Token);
    }

    public async Task Initialise(object? payload = null)
    {
        await Send(new { type = "connection_init", payload });
        var ack = await Receive();
        Assert.Equal("connection_ack", ack.GetProperty("type").GetString());
    }

    public Task Subscribe(string id, string query, object? variables = null) =>
        Send(new { type = "subscribe", id, payload = new { query, variables } });

    /// <summary>The next message; fails if the server closes instead.</summary>
    public async Task<JsonElement> Receive()
    {
        var text = await ReceiveText()
            ?? throw new InvalidOperationException($"The server closed the socket: {CloseStatus} {CloseReason}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Reads, skipping any messages, until the server's close frame; returns its code.</summary>
    public async Task<int> ReceiveClose()
    {
        while (await ReceiveText() is not null)
        {
        }
        return (int)CloseStatus!.Value;
    }

    /// <summary>The text of the next message, or null once the server has closed the socket.</summary>
    public async Task<string?> ReceiveText(int bufferSize = 16 * 1024)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var buffer = new byte[bufferSize];
        using var message = new MemoryStream();
        ValueWebSocketReceiveResult frame;
        do
        {
            frame = await _socket.ReceiveAsync(buffer.AsMemory(), deadline.Token);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            message.Write(buffer, 0, frame.Count);
        }
        while (!frame.EndOfMessage);
        return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var deadline = new CancellationTokenSource(Deadline);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", deadline.Token);
            }
            catch (WebSocketException)
            {
                // the server is already gone
            }
        }
        _socket.Dispose();
    }
}
