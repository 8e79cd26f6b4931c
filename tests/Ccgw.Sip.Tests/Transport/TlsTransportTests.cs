using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Transport;

public class TlsTransportTests
{
    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ccgw-test", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public async Task Options_over_tls_is_answered_on_the_same_connection()
    {
        using var certificate = SelfSigned();
        await using var stack = new SipStack(new SipStackOptions
        {
            Transport = new SipTransportOptions { Udp = null, Tcp = null, Tls = new IPEndPoint(IPAddress.Loopback, 0), TlsCertificate = certificate },
        }, new InMemoryCredentialStore([]), new InMemoryRegistrationStore(), TimeProvider.System);
        stack.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(stack.TlsEndPoint!);
        await using var tls = new SslStream(client.GetStream(), false, (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "ccgw-test" }, cts.Token);
        await tls.WriteAsync(Wire("""
            OPTIONS sip:gw@127.0.0.1;transport=tls SIP/2.0
            Via: SIP/2.0/TLS 127.0.0.1:1;branch=z9hG4bKtls1
            From: <sips:t@127.0.0.1>;tag=t1
            To: <sips:gw@127.0.0.1>
            Call-ID: tls-1
            CSeq: 1 OPTIONS
            Max-Forwards: 70
            Content-Length: 0


            """), cts.Token);
        var buffer = new byte[8192];
        var received = new List<byte>();
        while (true)
        {
            var n = await tls.ReadAsync(buffer, cts.Token);
            Assert.NotEqual(0, n);
            received.AddRange(buffer.AsSpan(0, n).ToArray());
            var seq = new ReadOnlySequence<byte>(received.ToArray());
            if (SipMessageParser.TryReadStreamMessage(ref seq, out var m) == SipFrameStatus.Message)
            {
                var response = Assert.IsType<SipResponse>(m);
                Assert.Equal(200, response.StatusCode);
                Assert.Equal("tls-1", response.CallId);
                return;
            }
        }
    }
}
