using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace Omni.ServiceDefaults;

/// <summary>
/// What silos and API nodes must agree on about the cluster's own connections (section
/// <c>Omni:Cluster</c>; env <c>Omni__Cluster__...</c>): how long a call may wait, and mutual TLS.
/// </summary>
public sealed class ClusterSettings
{
    public const string SectionName = "Omni:Cluster";

    /// <summary>How long one grain call waits for its answer (Orleans' ResponseTimeout, silo and client).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How long opening a connection to a silo or gateway may take.</summary>
    public TimeSpan OpenConnectionTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// API only: the longest one GraphQL field with a client id may take, retries included; no
    /// retry starts unless a whole <see cref="ResponseTimeout"/> still fits before it.
    /// </summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(9.5);

    public ClusterTlsSettings Tls { get; set; } = new();

    public static ClusterSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(SectionName).Get<ClusterSettings>() ?? new ClusterSettings();
        settings.Validate();
        return settings;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the setting that is wrong.</summary>
    public void Validate()
    {
        var settings = this;
        if (settings.ResponseTimeout <= TimeSpan.Zero || settings.OpenConnectionTimeout <= TimeSpan.Zero || settings.CallDeadline <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Omni:Cluster:ResponseTimeout, OpenConnectionTimeout and CallDeadline must be positive.");
        }
        settings.Tls.Validate();
    }
}

/// <summary>
/// Mutual TLS on the silo-to-silo and gateway ports: every side shows a certificate issued by the
/// cluster's private CA and accepts only peers whose certificate chains to that CA.
/// </summary>
public sealed class ClusterTlsSettings
{
    public bool Enabled { get; set; }
    /// <summary>PEM certificate of this process.</summary>
    public string Certificate { get; set; } = "";
    /// <summary>PEM private key of <see cref="Certificate"/>.</summary>
    public string Key { get; set; } = "";
    /// <summary>PEM certificate of the private CA every peer's certificate must chain to.</summary>
    public string CertificateAuthority { get; set; } = "";

    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }
        foreach (var (name, path) in new[] { ("Certificate", Certificate), ("Key", Key), ("CertificateAuthority", CertificateAuthority) })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new InvalidOperationException($"Omni:Cluster:Tls:Enabled is true but Omni:Cluster:Tls:{name} (environment variable Omni__Cluster__Tls__{name}) is not set.");
            }
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"Omni:Cluster:Tls:{name}: no file at {path}.");
            }
        }
    }

    /// <summary>Fills Orleans' <see cref="TlsOptions"/>: this process's certificate, peers required and checked against the CA.</summary>
    public void Configure(TlsOptions options)
    {
        var authority = X509Certificate2.CreateFromPem(File.ReadAllText(CertificateAuthority));
        options.LocalCertificate = X509Certificate2.CreateFromPemFile(Certificate, Key);
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Peers are named by IP address and port in the membership table, not by host name: what
        // proves a peer is one of ours is the chain to our own CA, not the name in its certificate.
        options.RemoteCertificateValidation = (certificate, _, _) => IssuedBy(authority, certificate);
    }

    public static bool IssuedBy(X509Certificate2 authority, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
