using System.Globalization;
using System.Text.Json.Nodes;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// RFC 3263 §4.2 against real peers: dnsmasq publishes <c>_sip._udp.pbx.test</c> pointing at sipp's port, the trunk
/// names only <c>pbx.test</c> (no port, and no A record for that name), and the keep-alive must reach sipp.
/// </summary>
public sealed class SipSrvDaemonTests
{
    private const string Dnsmasq = "/usr/sbin/dnsmasq";

    [SkippableFact]
    public async Task A_trunk_named_only_by_domain_is_found_by_SRV_and_kept_alive()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        Skip.IfNot(File.Exists(Dnsmasq), "dnsmasq (Debian package dnsmasq-base) is not installed");
        var pbxPort = FreePorts.TcpAndUdp();
        var dnsPort = FreePorts.TcpAndUdp();
        var work = Directory.CreateTempSubdirectory("ccgw-srv-").FullName;
        var dns = ExternalProcess.Start(Dnsmasq,
        [
            "--keep-in-foreground", "--no-resolv", "--no-hosts", "--pid-file=", "--log-queries", "--log-facility=-",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + I(dnsPort),
            // Authoritative for test.: names it does not know are NXDOMAIN rather than REFUSED (it has no upstream).
            "--local=/test/",
            $"--srv-host=_sip._udp.pbx.test,pbx1.test,{I(pbxPort)},10,60",
            "--host-record=pbx1.test,127.0.0.1",
        ], workingDirectory: work);
        var pbx = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "uas_options.xml"),
            "-i", "127.0.0.1", "-p", I(pbxPort), "-t", "u1", "-m", "1000", "-nostdin", "-timeout", "60s",
        ], workingDirectory: work);
        // Environment overrides cannot remove a key, so the trunk's Port goes from the config file itself.
        var root = DaemonUnderTest.NewRoot();
        var configPath = Path.Combine(root, "config", "ccgw.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath))!.AsObject();
        config["Trunks"]![0]!["Outbound"]!.AsObject().Remove("Port");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());
        DaemonUnderTest? daemon = null;
        try
        {
            daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
            {
                ["CCGW__Trunks__0__Outbound__Host"] = "pbx.test",
                ["CCGW__Trunks__0__KeepaliveSeconds"] = "1",
                ["CCGW__Sip__DnsServers__0"] = "127.0.0.1:" + I(dnsPort),
            }, reuseRoot: root);
            Assert.True(await daemon.MetricBecomesAsync("ccgw_sip_trunk_up{trunk=\"pbx\"} 1", TimeSpan.FromSeconds(30)),
                "trunk never reported up\n" + daemon.Process.StandardOutput + "\ndnsmasq:\n" + dns.StandardOutput + dns.StandardError + "\nsipp:\n" + pbx.StandardError);
            Assert.Contains("_sip._udp.pbx.test", dns.StandardOutput + dns.StandardError);
        }
        finally
        {
            await pbx.DisposeAsync();
            await dns.DisposeAsync();
            if (daemon is not null) await daemon.DisposeAsync();
            Directory.Delete(root, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
