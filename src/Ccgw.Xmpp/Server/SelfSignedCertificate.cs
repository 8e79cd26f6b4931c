using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ccgw.Xmpp.Server;

/// <summary>
/// A self-signed server certificate for STARTTLS when none is configured: made once for the domain (P-256, server
/// authentication, ten years) and kept in a PKCS#12 file readable by its owner only, so clients that pinned it on first
/// use see the same one after a restart.
/// </summary>
public static class SelfSignedCertificate
{
    public static X509Certificate2 LoadOrCreate(string path, string domain, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (File.Exists(path)) return X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(domain);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        var pfx = created.Export(X509ContentType.Pfx);
        // Written beside and moved into place, so a crash never leaves a half-written file that would fail every start.
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, pfx);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }
}
