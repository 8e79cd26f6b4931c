using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Tests.Interop;

/// <summary>Our client transactions (and outbound TCP connections) against SIPp acting as the far end.</summary>
[Collection("sip-interop")]
public class SippUasInteropTests(InteropStackFixture fixture) : IClassFixture<InteropStackFixture>
{
    private const int Requests = 100;

    [Theory]
    [InlineData("u1", SipTransportKind.Udp)]
    [InlineData("t1", SipTransportKind.Tcp)]
    public async Task Outgoing_options_through_client_transactions_are_all_answered(string sippTransport, SipTransportKind kind)
    {
        var port = InteropStackFixture.FreePort();
        var work = Directory.CreateTempSubdirectory("ccgw-sipp-uas-").FullName;
        var sipp = ExternalTool.RunAsync("sipp",
        [
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "uas_options.xml"),
            "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
            "-t", sippTransport, "-m", Requests.ToString(CultureInfo.InvariantCulture),
            "-timeout", "40s", "-timeout_error", "-nostdin",
        ], TimeSpan.FromSeconds(60), work);
        var peer = new SipEndPoint(kind, new IPEndPoint(IPAddress.Loopback, port));
        if (kind == SipTransportKind.Tcp) await WaitForListenerAsync(peer.Address);

        var local = kind == SipTransportKind.Udp ? fixture.Stack.UdpEndPoint! : fixture.Stack.TcpEndPoint!;
        var answers = new List<Task<int>>();
        for (var i = 0; i < Requests; i++)
        {
            var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var request = new SipRequest(SipMethods.Options, SipUri.Parse($"sip:sipp@127.0.0.1:{port}"));
            request.Via.Add(new SipVia(peer.ViaTransport, "127.0.0.1", local.Port, SipTransactionLayer.NewBranch()));
            request.From = SipNameAddress.Parse("<sip:gateway@localhost>;tag=gw" + i.ToString(CultureInfo.InvariantCulture));
            request.To = SipNameAddress.Parse($"<sip:sipp@127.0.0.1:{port}>");
            request.CallId = $"uas-{sippTransport}-{i}@ccgw";
            request.CSeq = new SipCSeq(1, SipMethods.Options);
            request.MaxForwards = 70;
            fixture.Stack.Transactions.SendRequest(request, peer, new SipClientCallbacks(
                r => { if (r.StatusCode >= 200) done.TrySetResult(r.StatusCode); },
                () => done.TrySetResult(408)));
            answers.Add(done.Task);
        }
        var codes = await Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(50));
        Assert.All(codes, c => Assert.Equal(200, c));
        var result = await sipp;
        Directory.Delete(work, recursive: true);
        Assert.False(result.TimedOut, result.Output);
        Assert.True(result.ExitCode == 0, $"sipp exit {result.ExitCode}\n{result.Output[^Math.Min(3000, result.Output.Length)..]}");
    }

    private static async Task WaitForListenerAsync(IPEndPoint at)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(at, cts.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cts.Token);
            }
        }
    }
}
