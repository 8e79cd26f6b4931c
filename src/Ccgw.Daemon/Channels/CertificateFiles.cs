using System.Security.Cryptography.X509Certificates;
using Ccgw.Configuration;

namespace Ccgw.Daemon.Channels;

/// <summary>Loads a listener certificate: a PEM certificate with its PEM key, or a PKCS#12 (.pfx/.p12) file.</summary>
internal static class CertificateFiles
{
    /// <summary>The listener's configured certificate (paths relative to the configuration file), or null when none is set.</summary>
    public static X509Certificate2? LoadConfigured(TlsListenerOptions listener, ConfigContext context) =>
        string.IsNullOrWhiteSpace(listener.Certificate)
            ? null
            : Load(context.Resolve(listener.Certificate),
                string.IsNullOrWhiteSpace(listener.CertificateKey) ? null : context.Resolve(listener.CertificateKey));

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

/// <summary>
/// Disposes a listener's server as soon as the host starts stopping: the web host (Kestrel) stops before any other
/// hosted service and would otherwise wait for, then abort, the server's connections before it could close them
/// cleanly (the MQTT gateway's will, XMPP's system-shutdown stream error).
/// </summary>
internal sealed class ServerLifetime<TServer>(TServer server, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
    where TServer : IAsyncDisposable
{
    private CancellationTokenRegistration _stopping;
    private Task _disposed = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() => _disposed = server.DisposeAsync().AsTask());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await server.DisposeAsync();
        await _disposed.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Dispose();
}
