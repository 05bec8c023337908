using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Omni.Tests.Infrastructure;

/// <summary>
/// A network namespace of the test's own, joined to the host by two veth pairs with addresses of
/// the test's own: the cluster link (the silo's and gateway's traffic), which <see cref="Cut"/>
/// severs and <see cref="Heal"/> restores, and the database link, which stays up so a cut-off silo
/// still reaches PostgreSQL (through a <see cref="TcpForwarder"/> on the host).
/// A cut is a <c>prohibit</c> route for the other side's /32 on both sides: packets are refused on
/// the spot. Links are never taken down and no route but the prohibit ones is ever deleted, so nothing
/// for these addresses can leave the machine. Needs root and Debian's iproute2.
/// </summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    private bool _cut;

    private NetworkNamespace(int n)
    {
        Name = $"omni-test-{n}";
        (HostLink, InsideLink, DatabaseLink, InsideDatabaseLink) = ($"omt{n}c", $"omt{n}ci", $"omt{n}d", $"omt{n}di");
        (Host, Inside) = ($"10.231.{n}.1", $"10.231.{n}.2");
        (DatabaseHost, InsideDatabase) = ($"10.232.{n}.1", $"10.232.{n}.2");
    }

    public string Name { get; }
    /// <summary>The host's end of the cluster link: a silo on the host advertises this to reach the namespace.</summary>
    public string Host { get; }
    /// <summary>The namespace's end of the cluster link: what its silo advertises.</summary>
    public string Inside { get; }
    /// <summary>The host's end of the database link, where the forwarder to PostgreSQL listens.</summary>
    public string DatabaseHost { get; }
    private string InsideDatabase { get; }
    private string HostLink { get; }
    private string InsideLink { get; }
    private string DatabaseLink { get; }
    private string InsideDatabaseLink { get; }

    /// <summary>Why these tests cannot run here, or null when they can.</summary>
    public static string? Unavailable =>
        !OperatingSystem.IsLinux() ? "not Linux"
        : Environment.UserName != "root" ? $"running as {Environment.UserName}, not root (ip netns needs it)"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "no `ip` (Debian's iproute2)"
        : null;

    public static async Task<NetworkNamespace> Create()
    {
        // One number per test process: its namespace and links carry it, so a leftover of a crashed
        // run with the same number is ours to remove.
        var net = new NetworkNamespace(20 + Environment.ProcessId % 200);
        await Ip(allowFailure: true, "netns", "del", net.Name);
        await Ip(allowFailure: true, "link", "del", net.HostLink);
        await Ip(allowFailure: true, "link", "del", net.DatabaseLink);
        await Ip("netns", "add", net.Name);
        await Ip("netns", "exec", net.Name, "ip", "link", "set", "lo", "up");
        await net.Link(net.HostLink, net.InsideLink, net.Host, net.Inside);
        await net.Link(net.DatabaseLink, net.InsideDatabaseLink, net.DatabaseHost, net.InsideDatabase);
        return net;
    }

    private async Task Link(string hostEnd, string insideEnd, string hostAddress, string insideAddress)
    {
        await Ip("link", "add", hostEnd, "type", "veth", "peer", "name", insideEnd);
        await Ip("link", "set", insideEnd, "netns", Name);
        await Ip("addr", "add", $"{hostAddress}/30", "dev", hostEnd);
        await Ip("link", "set", hostEnd, "up");
        await Ip("netns", "exec", Name, "ip", "addr", "add", $"{insideAddress}/30", "dev", insideEnd);
        await Ip("netns", "exec", Name, "ip", "link", "set", insideEnd, "up");
    }

    /// <summary>Cuts the cluster link: each side refuses packets for the other's address.</summary>
    public async Task Cut()
    {
        await Ip("route", "add", "prohibit", $"{Inside}/32");
        await Ip("netns", "exec", Name, "ip", "route", "add", "prohibit", $"{Host}/32");
        _cut = true;
    }

    public async Task Heal()
    {
        await Ip(allowFailure: !_cut, "route", "del", "prohibit", $"{Inside}/32");
        await Ip(allowFailure: !_cut, "netns", "exec", Name, "ip", "route", "del", "prohibit", $"{Host}/32");
        _cut = false;
    }

    /// <summary>Call after every process in the namespace has stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_cut)
        {
            await Heal();
        }
        // Deleting the namespace destroys its ends of the veth pairs and with them the host's ends.
        await Ip(allowFailure: true, "netns", "del", Name);
    }

    private static Task Ip(params string[] args) => Ip(false, args);

    private static async Task Ip(bool allowFailure, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({process.ExitCode}): {error.Trim()}");
        }
    }
}

/// <summary>Relays TCP connections from one local address to another (a namespace's way to PostgreSQL on loopback).</summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpForwarder(IPAddress listen, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(listen, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Accept();
    }

    public int Port { get; }

    private async Task Accept()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Relay(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task Relay(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                var a = client.GetStream();
                var b = server.GetStream();
                // When either direction ends, the other is closed with it.
                await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
