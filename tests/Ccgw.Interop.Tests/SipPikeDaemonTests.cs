using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Sip:Pike against the real daemon: a source sending OPTIONS over UDP faster than the limit stops being answered and
/// is counted in /metrics, while another phone's requests are still answered. The demo trunk's PBX (127.0.0.1) is
/// exempt, which is why both speak from other loopback addresses.
/// </summary>
public sealed class SipPikeDaemonTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress Phone = IPAddress.Parse("127.0.0.4");

    [Fact]
    public async Task A_source_flooding_requests_is_dropped_unanswered_and_counted_while_another_is_served()
    {
        await using var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Sip__Pike__Requests"] = "10",
            ["CCGW__Sip__Pike__WindowSeconds"] = "60",
            ["CCGW__Sip__Pike__BlockSeconds"] = "600",
        });
        var server = new IPEndPoint(IPAddress.Loopback, daemon.Listeners.Sip);

        using var flooder = Bound(Flooder);
        for (var i = 0; i < 50; i++) await flooder.SendToAsync(Options(i, flooder), SocketFlags.None, server);
        var answered = await CountAnswersAsync(flooder, TimeSpan.FromSeconds(5));
        // Ten within the window are answered; the rest (and their retransmissions, if any) are dropped.
        Assert.Equal(10, answered);

        using var phone = Bound(Phone);
        await phone.SendToAsync(Options(1000, phone), SocketFlags.None, server);
        Assert.Equal(1, await CountAnswersAsync(phone, TimeSpan.FromSeconds(5), stopAfter: 1));

        // Counters are exported as they are recorded: the requests above are all counted by the time they were answered.
        var metrics = (await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n');
        var pike = string.Join(" | ", metrics.Where(l => l.Contains("pike", StringComparison.Ordinal)));
        Assert.True(metrics.Contains("ccgw_sip_pike_dropped_total 40"), pike);
        Assert.True(metrics.Contains("ccgw_sip_pike_blocks_total 1"), pike);
    }

    private static Socket Bound(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    private static byte[] Options(int n, Socket from)
    {
        var local = (IPEndPoint)from.LocalEndPoint!;
        return Encoding.ASCII.GetBytes($"OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKpike{n}\r\n" +
            $"From: <sip:probe@{local.Address}>;tag=p{n}\r\nTo: <sip:localhost>\r\nCall-ID: pike-{n}@{local.Address}\r\nCSeq: 1 OPTIONS\r\n" +
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
    }

    /// <summary>Distinct transactions answered (by branch) until <paramref name="quiet"/> passes without one.</summary>
    private static async Task<int> CountAnswersAsync(Socket socket, TimeSpan quiet, int stopAfter = int.MaxValue)
    {
        var branches = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[65535];
        while (branches.Count < stopAfter)
        {
            using var timeout = new CancellationTokenSource(quiet);
            try
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                var text = Encoding.ASCII.GetString(buffer, 0, n);
                var at = text.IndexOf("branch=", StringComparison.Ordinal);
                if (text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) && at >= 0)
                    branches.Add(new string(text.AsSpan(at).TrimEnd().ToString().TakeWhile(c => c is not ('\r' or ';' or ',')).ToArray()));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return branches.Count;
    }
}
