using System.Net.Sockets;
using System.Net.WebSockets;
using Omni.LoadTests.GraphQL;

namespace Omni.LoadTests.Runner;

/// <summary>Names failures by kind, so a report says "http-503: 12, timeout: 3" rather than "15 errors".</summary>
public static class ErrorKinds
{
    /// <summary>A measured step still running when the drain time after the run ran out.</summary>
    public const string Abandoned = "abandoned";

    public static string Of(Exception exception) => exception switch
    {
        GraphQLException graphql => $"graphql:{graphql.Code}",
        HttpRequestException { StatusCode: { } status } => $"http-{(int)status}",
        HttpRequestException { InnerException: SocketException socket } => $"socket:{socket.SocketErrorCode}",
        HttpRequestException http => $"http:{http.HttpRequestError}",
        TaskCanceledException or TimeoutException => "timeout",
        WebSocketException socket => $"websocket:{socket.WebSocketErrorCode}",
        SocketException socket => $"socket:{socket.SocketErrorCode}",
        AggregateException { InnerExceptions: [var single] } => Of(single),
        _ => exception.GetType().Name,
    };
}
