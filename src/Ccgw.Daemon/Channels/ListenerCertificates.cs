using System.Security.Cryptography.X509Certificates;
using Ccgw.Configuration;

namespace Ccgw.Daemon.Channels;

/// <summary>
/// A listener's certificate that SIGHUP can replace (issue 20): every TLS handshake asks for <see cref="Current"/>, so the
/// next handshake after a reload serves the new certificate while connections already up keep theirs. The files are
/// re-read from the paths configured at start (certificate rotation writes new files over the old ones); a changed
/// path is a restart key.
/// </summary>
internal sealed class LiveCertificate
{
    private readonly Func<X509Certificate2> _load;
    private X509Certificate2 _current;

    public LiveCertificate(string key, Func<X509Certificate2> load)
    {
        Key = key;
        _load = load;
        _current = load();
    }

    /// <summary>The configuration key of the listener's certificate (e.g. <c>Listeners:Https:Certificate</c>), for the log.</summary>
    public string Key { get; }

    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>Reads the files again: true when they now hold another certificate (which then serves new handshakes).</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The files do not hold a certificate with its key.</exception>
    /// <exception cref="IOException">The files cannot be read.</exception>
    public bool Reload()
    {
        var next = _load();
        if (next.Thumbprint == Current.Thumbprint)
        {
            next.Dispose();
            return false;
        }
        // The old certificate is not disposed: a handshake that took it a moment ago may still be using it.
        Volatile.Write(ref _current, next);
        return true;
    }
}

/// <summary>The daemon's reloadable listener certificates (web listeners and SIP TLS), registered while the host is built.</summary>
internal sealed class ListenerCertificates
{
    private readonly List<LiveCertificate> _all = [];

    public IReadOnlyList<LiveCertificate> All => _all;

    /// <summary>The listener's configured certificate as a live one, or null when none is set (the same files as <see cref="CertificateFiles.LoadConfigured"/>).</summary>
    public LiveCertificate? Configured(string key, TlsListenerOptions listener, ConfigContext context)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(listener.Certificate)) return null;
        var certificate = context.Resolve(listener.Certificate);
        var privateKey = string.IsNullOrWhiteSpace(listener.CertificateKey) ? null : context.Resolve(listener.CertificateKey);
        var live = new LiveCertificate(key + ":Certificate", () => CertificateFiles.Load(certificate, privateKey));
        _all.Add(live);
        return live;
    }
}
