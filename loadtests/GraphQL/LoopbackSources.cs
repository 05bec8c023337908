using System.Net;
using System.Net.Sockets;

namespace Omni.LoadTests.GraphQL;

/// <summary>
/// Distinct loopback source addresses (127.1.0.1, 127.1.0.2, ...) for the simulated devices. The API
/// limits requests and sockets per client (per token subject, else per address); load from one
/// machine would otherwise be one client. Each virtual user gets an address of its own, as each real
/// device has. Only for a loopback target: elsewhere the machine's own address is used.
/// </summary>
public static class LoopbackSources
{
    private static int _next;

    /// <summary>The next free source address for connections to <paramref name="endpoint"/>, or null when it is not on this machine.</summary>
    public static IPAddress? For(Uri endpoint)
    {
        if (!(IPAddress.TryParse(endpoint.Host, out var host) && IPAddress.IsLoopback(host) && host.AddressFamily == AddressFamily.InterNetwork)
            && endpoint.Host != "localhost")
        {
            return null;
        }
        var n = Interlocked.Increment(ref _next);
        return new IPAddress([127, (byte)(1 + (n / 62_500)), (byte)(n % 62_500 / 250), (byte)(1 + (n % 250))]);
    }

    /// <summary>An HTTP client whose connections leave from an address of its own (see <see cref="For"/>).</summary>
    public static HttpClient HttpClient(Uri endpoint, TimeSpan timeout)
    {
        var local = For(endpoint);
        return GraphQLClient.CreateHttpClient(timeout, (context, ct) => Connect(local, context.DnsEndPoint, ct));
    }

    /// <summary>Connects to <paramref name="remote"/>, from <paramref name="localAddress"/> when given and the remote is loopback.</summary>
    public static async ValueTask<Stream> Connect(IPAddress? localAddress, DnsEndPoint remote, CancellationToken cancellationToken)
    {
        var remoteAddress = IPAddress.TryParse(remote.Host, out var literal) ? literal
            : remote.Host == "localhost" && localAddress is not null ? IPAddress.Loopback
            : null;
        var socket = remoteAddress is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(remoteAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            if (localAddress is not null && remoteAddress is not null && IPAddress.IsLoopback(remoteAddress)
                && localAddress.AddressFamily == remoteAddress.AddressFamily)
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
            }
            if (remoteAddress is null)
            {
                await socket.ConnectAsync(remote, cancellationToken);
            }
            else
            {
                await socket.ConnectAsync(new IPEndPoint(remoteAddress, remote.Port), cancellationToken);
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
