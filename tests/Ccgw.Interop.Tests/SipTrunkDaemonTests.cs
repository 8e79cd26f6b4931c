using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>Trunks against the running daemon: inbound admission by source address, outbound registration to sipp as the provider.</summary>
public sealed class SipTrunkDaemonTests
{
    [Theory]
    [InlineData("127.0.0.1", 488)]      // the demo PBX trunk admits 127.0.0.1; the voice path then needs an SDP offer
    [InlineData("10.0.0.0/8", 403)]     // nobody on loopback is a trunk now, and no trunk takes digest
    public async Task An_invite_is_admitted_only_from_a_trunk(string allowFrom, int expected)
    {
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["CCGW__Trunks__0__AllowFrom__0"] = allowFrom });
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var invite = string.Join("\r\n",
                "INVITE sip:100@127.0.0.1 SIP/2.0",
                $"Via: SIP/2.0/UDP 127.0.0.1:{local.Port.ToString(CultureInfo.InvariantCulture)};branch=z9hG4bK{Guid.NewGuid():N};rport",
                "Max-Forwards: 70", "From: <sip:caller@pbx.test>;tag=c1", "To: <sip:100@127.0.0.1>",
                $"Call-ID: {Guid.NewGuid():N}@pbx.test", "CSeq: 1 INVITE", $"Contact: <sip:caller@127.0.0.1:{local.Port.ToString(CultureInfo.InvariantCulture)}>",
                "Content-Length: 0", "", "");
            await socket.SendToAsync(Encoding.ASCII.GetBytes(invite), new IPEndPoint(IPAddress.Loopback, daemon.Listeners.Sip));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var buffer = new byte[8192];
            int code;
            do
            {
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                code = int.Parse(Encoding.ASCII.GetString(buffer, 8, 3), CultureInfo.InvariantCulture);
            }
            while (code < 200);
            Assert.Equal(expected, code);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    [SkippableFact]
    public async Task The_gateway_registers_with_the_provider_using_digest()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var providerPort = FreePorts.TcpAndUdp();
        var work = Directory.CreateTempSubdirectory("ccgw-provider-").FullName;
        var provider = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "uas_registrar.xml"),
            "-i", "127.0.0.1", "-p", providerPort.ToString(CultureInfo.InvariantCulture), "-t", "u1", "-m", "1", "-nostdin", "-timeout", "60s",
        ], workingDirectory: work);
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Register__Registrar"] = "127.0.0.1:" + providerPort.ToString(CultureInfo.InvariantCulture),
            ["CCGW__Trunks__0__Register__Username"] = "gw-user",
            ["CCGW__Trunks__0__Register__Password"] = "gw-pass",
            ["CCGW__Trunks__0__Register__ExpiresSeconds"] = "60",
        });
        try
        {
            Assert.True(await daemon.MetricBecomesAsync("ccgw_sip_trunk_registered{trunk=\"pbx\"} 1", TimeSpan.FromSeconds(30)),
                "never registered\n" + daemon.Process.StandardOutput + provider.StandardOutput + provider.StandardError);
            await provider.WaitForExitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, provider.ExitCode);
            Assert.Contains("trunk pbx: registered with the provider", daemon.Process.StandardOutput);
        }
        finally
        {
            await provider.DisposeAsync();
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_provider_that_never_answers_leaves_the_trunk_unregistered()
    {
        var silent = FreePorts.TcpAndUdp();
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Register__Registrar"] = "127.0.0.1:" + silent.ToString(CultureInfo.InvariantCulture),
            ["CCGW__Trunks__0__Register__Username"] = "gw-user",
            ["CCGW__Trunks__0__Register__Password"] = "gw-pass",
        });
        try
        {
            // Timer F (64*T1 = 32 s) ends the unanswered REGISTER; then the back-off retry starts.
            Assert.True(await daemon.MetricBecomesAsync("ccgw_sip_trunk_registered{trunk=\"pbx\"} 0", TimeSpan.FromSeconds(60)), "never reported unregistered");
            Assert.Contains("trunk pbx: not registered with the provider", daemon.Process.StandardOutput);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }
}
