using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20: SIGHUP re-reads the listeners' certificate files. A real TLS client reads the certificate the HTTPS
/// listener serves before and after: the next handshake gets the new one, a connection made before keeps working, and
/// a file that no longer holds a certificate is named while the listener keeps serving the last good one.
/// </summary>
public sealed class ReloadCertificateDaemonTests
{
    [Fact]
    public async Task Sighup_serves_a_rotated_certificate_to_the_next_handshake_without_dropping_the_connections_up()
    {
        var files = Directory.CreateTempSubdirectory("ccgw-certs-").FullName;
        var certificate = Path.Combine(files, "https.pem");
        var key = Path.Combine(files, "https.key");
        var first = WriteCertificate(certificate, key, "first.example");
        var https = FreePorts.Tcp();
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Listeners__Https__Enabled"] = "true",
            ["CCGW__Listeners__Https__Address"] = "127.0.0.1",
            ["CCGW__Listeners__Https__Port"] = I(https),
            ["CCGW__Listeners__Https__Certificate"] = certificate,
            ["CCGW__Listeners__Https__CertificateKey"] = key,
        });
        try
        {
            var (before, kept) = await HandshakeAsync(https);
            await using var keptConnection = kept;
            Assert.Equal(first, before);
            Assert.Contains("200 OK", await GetHealthAsync(kept));

            var second = WriteCertificate(certificate, key, "second.example");
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await OutputContainsAsync(daemon, "Listeners:Https:Certificate replaced"), $"no certificate reload was logged:\n{Tail(daemon)}");
            var (after, fresh) = await HandshakeAsync(https);
            await fresh.DisposeAsync();
            Assert.Equal(second, after);
            // The connection made before the reload still answers (same TLS session, old certificate).
            Assert.Contains("200 OK", await GetHealthAsync(kept));

            // A broken file is named; the listener keeps serving the last good certificate.
            await File.WriteAllTextAsync(certificate, "not a certificate");
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await OutputContainsAsync(daemon, "Listeners:Https:Certificate: the certificate could not be loaded"), $"the broken file was not named:\n{Tail(daemon)}");
            var (still, again) = await HandshakeAsync(https);
            await again.DisposeAsync();
            Assert.Equal(second, still);
            Assert.False(daemon.Process.HasExited);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
            Directory.Delete(files, recursive: true);
        }
    }

    /// <summary>A fresh self-signed P-256 certificate for <paramref name="name"/> as PEM files; returns its SHA-1 thumbprint.</summary>
    private static string WriteCertificate(string certificatePath, string keyPath, string name)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", ecdsa, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        File.WriteAllText(keyPath, ecdsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        return certificate.Thumbprint;
    }

    /// <summary>A TLS client's handshake with the listener: the thumbprint of the certificate it was served, and the open stream.</summary>
    private static async Task<(string Thumbprint, SslStream Stream)> HandshakeAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        // The certificates are self-signed test ones: what is checked is which one the listener serves.
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, served, _, _) => served is not null,
        });
        return (ssl.RemoteCertificate!.GetCertHashString(), ssl);
    }

    private static async Task<string> GetHealthAsync(SslStream ssl)
    {
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        // Read the whole response: a chunked body's last chunk may come in a later record, and left unread it would be
        // taken for the next request's answer on this kept connection.
        var buffer = new byte[4096];
        var response = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!IsComplete(response.ToString()))
        {
            var read = await ssl.ReadAsync(buffer, timeout.Token);
            if (read == 0) break;
            response.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return response.ToString();
    }

    private static bool IsComplete(string response)
    {
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0) return false;
        var headers = response[..headerEnd];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            return response.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal) || response.EndsWith("\r\n\r\n0\r\n\r\n", StringComparison.Ordinal);
        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is null || response.Length - headerEnd - 4 >= int.Parse(length["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Tail(DaemonUnderTest daemon) => daemon.Process.StandardOutput[^Math.Min(4000, daemon.Process.StandardOutput.Length)..];

    private static async Task<bool> OutputContainsAsync(DaemonUnderTest daemon, string text)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!deadline.IsCancellationRequested)
        {
            if (daemon.Process.StandardOutput.Contains(text, StringComparison.Ordinal)) return true;
            await Task.Delay(100, CancellationToken.None);
        }
        return false;
    }
}
