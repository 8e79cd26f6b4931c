using System.Globalization;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// MQTT over TLS on the daemon's MQTT listener (Listeners:Mqtt:Certificate, PEM + key): mosquitto_sub with
/// --cafile verifies the daemon's self-signed certificate for 127.0.0.1 and receives retained presence (3.1.1 and 5.0).
/// </summary>
public sealed class MqttTlsTests
{
    [SkippableFact]
    public async Task Consoles_connect_over_tls_and_receive_retained_presence()
    {
        MqttInterop.RequireClients();
        Skip.IfNot(File.Exists("/usr/bin/openssl"), "openssl is not installed");
        var dir = Directory.CreateTempSubdirectory("ccgw-mqtt-tls-").FullName;
        var cert = Path.Combine(dir, "mqtt.crt");
        var key = Path.Combine(dir, "mqtt.key");
        await using (var openssl = await ExternalProcess.RunAsync("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], MqttInterop.ToolTimeout))
            Assert.True(openssl.ExitCode == 0, openssl.StandardError);
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Listeners__Mqtt__Certificate"] = cert,
            ["CCGW__Listeners__Mqtt__CertificateKey"] = key,
        });
        try
        {
            foreach (var version in new[] { "311", "5" })
            {
                await using var presence = await MqttInterop.SubAsync(daemon.Listeners.Mqtt, version, "alice", "demo-alice",
                    "--cafile", cert, "-t", "ccgw/agents/alice/presence", "-C", "1");
                Assert.True(presence.ExitCode == 0, presence.StandardError);
                Assert.Equal("alice", MqttInterop.LastJson(presence).GetProperty("agentId").GetString());
            }

            // A plain-text client on the TLS port gets nothing (the handshake fails), and the listener keeps serving.
            await using var plain = await ExternalProcess.RunAsync(MqttInterop.Sub, ["-h", "127.0.0.1", "-p", daemon.Listeners.Mqtt.ToString(CultureInfo.InvariantCulture),
                "-u", "alice", "-P", "demo-alice", "-t", "ccgw/agents/alice/presence", "-C", "1", "-W", "3"], MqttInterop.ToolTimeout);
            Assert.NotEqual(0, plain.ExitCode);
            await using var again = await MqttInterop.SubAsync(daemon.Listeners.Mqtt, "5", "alice", "demo-alice", "--cafile", cert, "-t", "ccgw/center/status", "-C", "1");
            Assert.True(again.ExitCode == 0, again.StandardError);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
            Directory.Delete(dir, recursive: true);
        }
    }
}
