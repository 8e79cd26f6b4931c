using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Sip.Transport;

namespace Ccgw.Voice.Tests;

/// <summary>
/// Issue 18, the automated IVR call-back in the gateway, on the manual clock: a start from the scheduler makes the gateway
/// INVITE the customer through the trunk's outbound peer (the test's socket) with no agent; once answered the topic's flow
/// runs on that leg (the testbed's flow: a menu waiting for a key, "1" says goodbye) and the key comes by SIP INFO as an
/// inbound caller's would; the flow's end hangs up and is reported self-served. A busy customer is reported not reached.
/// </summary>
public sealed class IvrCallbackCallTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static async Task<(VoiceTestbed Bed, UdpClient Customer)> StartAsync()
    {
        var customer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)customer.Client.LocalEndPoint!).Port;
        var bed = await VoiceTestbed.StartAsync(tune: s => s with
        {
            Trunks = [new VoiceTrunk("pbx", new Dictionary<string, string> { ["100"] = "main" }, new SipPeer("127.0.0.1", port, SipTransportKind.Udp))
                { AllowFrom = ["127.0.0.1"] }],
        }, callbacks: ListThatSaysYes.Instance);
        return (bed, customer);
    }

    private static IvrCallbackStart Start()
    {
        var attempt = new CallbackRequest("cb-1", "sales", InteractionChannel.Callback, "+15550100", T0, 0, T0, CallbackStatus.Queued,
            Attempts: 1, Medium: HelpMedium.Ivr);
        return new IvrCallbackStart(attempt, "main", attempt.ToInteractionRequest());
    }

    [Fact]
    public async Task The_customer_is_dialled_hears_the_flow_and_a_key_that_ends_it_is_reported_self_served()
    {
        var (bed, customer) = await StartAsync();
        await using var _ = bed;
        using var __ = customer;
        var hub = new IvrCallbacks(new Dictionary<string, string> { ["sales"] = "main" });
        using var stop = new CancellationTokenSource();
        var running = bed.Gateway.RunIvrCallbacksAsync(hub, stop.Token);
        Assert.True(hub.Start(Start()));

        // The INVITE reaches the customer for their number, with no agent anywhere.
        var invite = await ReceiveAsync(customer, "INVITE ");
        Assert.StartsWith("INVITE sip:+15550100@127.0.0.1", invite.Text, StringComparison.Ordinal);
        Assert.Equal(1, bed.Gateway.ActiveCallbacks);
        const string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\n" +
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
        var port = ((IPEndPoint)customer.Client.LocalEndPoint!).Port;
        await SendAsync(customer, bed, $"SIP/2.0 200 OK\r\n{Header(invite.Text, "Via")}\r\n{Header(invite.Text, "From")}\r\n{Header(invite.Text, "To")};tag=cust1\r\n" +
            $"{Header(invite.Text, "Call-ID")}\r\n{Header(invite.Text, "CSeq")}\r\nContact: <sip:customer@127.0.0.1:{port}>\r\n" +
            $"Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
        await ReceiveAsync(customer, "ACK ");

        // "1" by INFO, in the dialog: the menu's goodbye; the gateway hangs up.
        var contact = Value(Header(invite.Text, "Contact"));
        var uri = contact[(contact.IndexOf('<', StringComparison.Ordinal) + 1)..contact.IndexOf('>', StringComparison.Ordinal)];
        const string body = "Signal=1\r\nDuration=160\r\n";
        await SendAsync(customer, bed, $"INFO {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKinfo{Guid.NewGuid():N};rport\r\n" +
            $"Max-Forwards: 70\r\nFrom: {Value(Header(invite.Text, "To"))};tag=cust1\r\nTo: {Value(Header(invite.Text, "From"))}\r\n" +
            $"{Header(invite.Text, "Call-ID")}\r\nCSeq: 1 INFO\r\nContent-Type: application/dtmf-relay\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        // The INFO's answer and the BYE belong to different transactions, so either may be on the wire first (the digit
        // can end the flow before the INFO's 200 is written).
        var (infoAnswer, bye) = await ReceiveInfoAnswerAndByeAsync(customer);
        Assert.StartsWith("SIP/2.0 200", infoAnswer.Text, StringComparison.Ordinal);
        await SendAsync(customer, bed, $"SIP/2.0 200 OK\r\n{Header(bye.Text, "Via")}\r\n{Header(bye.Text, "From")}\r\n{Header(bye.Text, "To")}\r\n" +
            $"{Header(bye.Text, "Call-ID")}\r\n{Header(bye.Text, "CSeq")}\r\nContent-Length: 0\r\n\r\n");

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var report = await hub.Reports.ReadAsync(bound.Token);
        Assert.Equal("cb-1", report.Id);
        Assert.Equal(IvrCallbackResult.SelfServed, report.Result);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_busy_customer_is_reported_not_reached_with_the_reason_the_scheduler_retries()
    {
        var (bed, customer) = await StartAsync();
        await using var _ = bed;
        using var __ = customer;
        var hub = new IvrCallbacks(new Dictionary<string, string> { ["sales"] = "main" });
        using var stop = new CancellationTokenSource();
        var running = bed.Gateway.RunIvrCallbacksAsync(hub, stop.Token);
        Assert.True(hub.Start(Start()));

        var invite = await ReceiveAsync(customer, "INVITE ");
        await SendAsync(customer, bed, $"SIP/2.0 486 Busy Here\r\n{Header(invite.Text, "Via")}\r\n{Header(invite.Text, "From")}\r\n" +
            $"{Header(invite.Text, "To")};tag=cust2\r\n{Header(invite.Text, "Call-ID")}\r\n{Header(invite.Text, "CSeq")}\r\nContent-Length: 0\r\n\r\n");
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var report = await hub.Reports.ReadAsync(bound.Token);
        Assert.Equal(IvrCallbackResult.NotReached, report.Result);
        Assert.Equal("busy", report.Reason);
        await stop.CancelAsync();
        await running;
    }

    private sealed record Datagram(string Text);

    /// <summary>The answer to the INFO and the gateway's BYE, in whichever order they come.</summary>
    private static async Task<(Datagram InfoAnswer, Datagram Bye)> ReceiveInfoAnswerAndByeAsync(UdpClient socket)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Datagram? answer = null, bye = null;
        while (answer is null || bye is null)
        {
            var d = await socket.ReceiveAsync(bound.Token);
            var text = Encoding.UTF8.GetString(d.Buffer);
            if (text.StartsWith("BYE ", StringComparison.Ordinal)) bye ??= new Datagram(text);
            else if (text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) && Header(text, "CSeq").EndsWith(" INFO", StringComparison.Ordinal))
                answer ??= new Datagram(text);
        }
        return (answer, bye);
    }

    /// <summary>The next datagram starting with <paramref name="prefix"/> (retransmissions of others are skipped).</summary>
    private static async Task<Datagram> ReceiveAsync(UdpClient socket, string prefix)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var d = await socket.ReceiveAsync(bound.Token);
            var text = Encoding.UTF8.GetString(d.Buffer);
            if (text.StartsWith(prefix, StringComparison.Ordinal)) return new Datagram(text);
        }
    }

    private static async Task SendAsync(UdpClient socket, VoiceTestbed bed, string message) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), bed.SipEndPoint);

    /// <summary>The whole header line (name and value) of the first header called <paramref name="name"/>.</summary>
    private static string Header(string message, string name) =>
        message.Split("\r\n").First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    private static string Value(string headerLine) => headerLine[(headerLine.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();

    /// <summary>A call-back list whose writes all succeed (the dialling mark, the outcome); nothing else is expected.</summary>
#pragma warning disable CA1812, CA1852 // created by DispatchProxy
    internal class ListThatSaysYes : DispatchProxy
#pragma warning restore CA1812, CA1852
    {
        public static ICallbackRepository Instance { get; } = Create<ICallbackRepository, ListThatSaysYes>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(ICallbackRepository.BeginDiallingAsync) or nameof(ICallbackRepository.RecordOutcomeAsync) => new ValueTask<bool>(true),
            _ => throw new InvalidOperationException($"ICallbackRepository.{targetMethod?.Name} was not expected here"),
        };
    }
}
