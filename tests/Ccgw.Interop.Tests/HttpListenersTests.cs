using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The web server's listeners against the real daemon: HTTPS from a PEM certificate with HSTS, and the admin API,
/// <c>/metrics</c> and <c>/mqtt</c> moved to listeners of their own, which the public listeners then answer 404 for.
/// </summary>
public sealed class HttpListenersTests(HttpListenersTests.Daemon fixture) : IClassFixture<HttpListenersTests.Daemon>
{
    private const string Token = "demo-admin-token-change-me";

    /// <summary>HTTPS on; admin and metrics share one management listener; MQTT over WebSocket has another.</summary>
    public sealed class Daemon : IAsyncLifetime
    {
        private string _certificates = "";

        public DaemonUnderTest Under { get; private set; } = null!;
        public int Https { get; private set; }
        public int Management { get; private set; }
        public int MqttWebSocket { get; private set; }

        /// <summary>SHA-256 of the test certificate: the client accepts exactly that one (it is self-signed).</summary>
        public byte[] CertificateHash { get; private set; } = [];

        public async Task InitializeAsync()
        {
            _certificates = Directory.CreateTempSubdirectory("ccgw-https-").FullName;
            var (certificate, key, hash) = WriteSelfSigned(_certificates);
            CertificateHash = hash;
            int[] ports;
            do ports = [FreePorts.Tcp(), FreePorts.Tcp(), FreePorts.Tcp()];
            while (ports.Distinct().Count() < 3);
            (Https, Management, MqttWebSocket) = (ports[0], ports[1], ports[2]);
            Under = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
            {
                ["CCGW__Listeners__Https__Enabled"] = "true",
                ["CCGW__Listeners__Https__Address"] = "127.0.0.1",
                ["CCGW__Listeners__Https__Port"] = $"{Https}",
                ["CCGW__Listeners__Https__Certificate"] = certificate,
                ["CCGW__Listeners__Https__CertificateKey"] = key,
                ["CCGW__Http__Admin__Listen__Address"] = "127.0.0.1",
                ["CCGW__Http__Admin__Listen__Port"] = $"{Management}",
                ["CCGW__Http__Metrics__Listen__Address"] = "127.0.0.1",
                ["CCGW__Http__Metrics__Listen__Port"] = $"{Management}",
                ["CCGW__Http__MqttWebSocket__Listen__Address"] = "127.0.0.1",
                ["CCGW__Http__MqttWebSocket__Listen__Port"] = $"{MqttWebSocket}",
            });
        }

        public async Task DisposeAsync()
        {
            await Under.DisposeAsync();
            Under.DeleteRoot();
            Directory.Delete(_certificates, recursive: true);
        }

        private static (string Certificate, string Key, byte[] Hash) WriteSelfSigned(string directory)
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var certificatePath = Path.Combine(directory, "web.pem");
            var keyPath = Path.Combine(directory, "web.key");
            File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
            File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
            return (certificatePath, keyPath, certificate.GetCertHash(HashAlgorithmName.SHA256));
        }
    }

    /// <summary>A client that trusts exactly the daemon's test certificate (self-signed, so pinned by its hash).</summary>
    private HttpClient Client(int port, bool tls) => new(new SocketsHttpHandler
    {
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(fixture.CertificateHash),
        },
    })
    {
        BaseAddress = new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static HttpRequestMessage Admin(string path) => new(HttpMethod.Get, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) },
    };

    [Fact]
    public async Task Https_serves_the_help_page_with_hsts_and_plain_http_sends_none()
    {
        using var https = Client(fixture.Https, tls: true);
        using var page = await https.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var hsts = Assert.Single(page.Headers.GetValues("Strict-Transport-Security"));
        Assert.StartsWith("max-age=31536000", hsts, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", string.Join(",", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        using var plain = await fixture.Under.Http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Separated_surfaces_are_404_on_both_public_listeners()
    {
        using var https = Client(fixture.Https, tls: true);
        foreach (var client in new[] { fixture.Under.Http, https })
        {
            using var admin = await client.SendAsync(Admin("/api/admin/agents"));
            Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
            using var metrics = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
            using var mqtt = await client.GetAsync(new Uri("/mqtt", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, mqtt.StatusCode);
            // What stays public is still served there.
            using var status = await client.GetAsync(new Uri("/api/status", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }
    }

    [Fact]
    public async Task Admin_and_metrics_are_served_on_their_shared_listener_and_nothing_public_is()
    {
        using var management = Client(fixture.Management, tls: false);
        using var agents = await management.SendAsync(Admin("/api/admin/agents"));
        Assert.Equal(HttpStatusCode.OK, agents.StatusCode);
        Assert.Contains("alice", await agents.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var metrics = await management.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("ccgw_build_info", metrics, StringComparison.Ordinal);
        using var ready = await management.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        using var page = await management.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using var mqtt = await management.GetAsync(new Uri("/mqtt", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, mqtt.StatusCode);
    }

    [Fact]
    public async Task Mqtt_websocket_is_served_on_its_own_listener_only()
    {
        using var ws = Client(fixture.MqttWebSocket, tls: false);
        // A plain GET reaches the /mqtt endpoint, which explains the subprotocol: proof it is served here.
        using var mqtt = await ws.GetAsync(new Uri("/mqtt", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, mqtt.StatusCode);
        Assert.Contains("subprotocol", await mqtt.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var metrics = await ws.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        using var page = await ws.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [SkippableFact]
    public async Task A_paho_console_speaks_mqtt_over_websocket_on_the_mqtt_listener()
    {
        MqttInterop.RequirePaho();
        await using var ws = await MqttInterop.ConsoleAsync(fixture.MqttWebSocket, "311", "websocket", "alice", "demo-alice");
        Assert.True(ws.ExitCode == 0, ws.StandardOutput + ws.StandardError);
    }

    [Fact]
    public async Task Ready_status_names_every_web_listener()
    {
        var status = $"STATUS=serving: http 127.0.0.1:{fixture.Under.Listeners.Http}, https 127.0.0.1:{fixture.Https}, " +
            $"http 127.0.0.1:{fixture.Management} (Http:Admin+Http:Metrics), http 127.0.0.1:{fixture.MqttWebSocket} (Http:MqttWebSocket)";
        Assert.True(await fixture.Under.Notify.WaitForAsync(status, TimeSpan.FromSeconds(5)), status);
    }
}
