using System.Security.Cryptography.X509Certificates;

namespace Ccgw.Daemon.Channels;

/// <summary>Loads a listener certificate: a PEM certificate with its PEM key, or a PKCS#12 (.pfx/.p12) file.</summary>
internal static class CertificateFiles
{
    public static X509Certificate2 Load(string certificatePath, string? keyPath)
    {
        if (keyPath is not null)
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var extension = Path.GetExtension(certificatePath);
        return extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase)
            ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password: null)
            : X509Certificate2.CreateFromPemFile(certificatePath);
    }
}
