using Omni.ServiceDefaults;

namespace Omni.Silo.Hosting;

public static class ClusterTlsExtensions
{
    /// <summary>
    /// With <c>Omni:Cluster:Tls:Enabled</c>, the silo port and the gateway port speak only mutual
    /// TLS: silos and API nodes show a certificate from the cluster's CA or are refused at the
    /// handshake, before any grain call. Off, the ports are plain TCP (loopback-only clusters).
    /// </summary>
    public static ISiloBuilder AddOmniClusterTls(this ISiloBuilder silo, ClusterTlsSettings tls)
    {
        if (tls.Enabled)
        {
            silo.UseTls(tls.Configure);
        }
        return silo;
    }
}
