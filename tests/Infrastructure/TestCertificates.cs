using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Omni.Tests.Infrastructure;

/// <summary>
/// A private CA and certificates it issues, as PEM files in a folder of their own (what
/// <c>./omni up</c> makes with openssl under <c>.omni/tls</c>), deleted on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name = "Omni test CA")
    {
        Folder = Directory.CreateTempSubdirectory("omni-tls-").FullName;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        AuthorityPath = Path.Combine(Folder, "ca.crt");
        File.WriteAllText(AuthorityPath, _ca.ExportCertificatePem());
    }

    public string Folder { get; }
    public string AuthorityPath { get; }

    /// <summary>A certificate for one process, issued by this CA: (certificate path, key path).</summary>
    public (string Certificate, string Key) Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        using var certificate = request.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        var certificatePath = Path.Combine(Folder, name + ".crt");
        var keyPath = Path.Combine(Folder, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>The <c>Omni__Cluster__Tls__*</c> settings of a process holding <paramref name="name"/>'s certificate.</summary>
    public Dictionary<string, string> Settings(string name)
    {
        var (certificate, key) = Issue(name);
        return new Dictionary<string, string>
        {
            ["Omni__Cluster__Tls__Enabled"] = "true",
            ["Omni__Cluster__Tls__Certificate"] = certificate,
            ["Omni__Cluster__Tls__Key"] = key,
            ["Omni__Cluster__Tls__CertificateAuthority"] = AuthorityPath,
        };
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
