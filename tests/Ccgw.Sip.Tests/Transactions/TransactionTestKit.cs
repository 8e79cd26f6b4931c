using System.Net;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Transactions;

internal sealed class RecordingSender : ISipSender
{
    public List<(SipMessage Message, SipEndPoint To)> Sent { get; } = [];

    public void Send(SipMessage message, SipEndPoint destination)
    {
        lock (Sent) Sent.Add((message, destination));
    }

    public int Count(Func<SipMessage, bool> match)
    {
        lock (Sent) return Sent.Count(s => match(s.Message));
    }

    public int Requests(string method) => Count(m => m is SipRequest r && r.Method == method);

    public int Responses(int code) => Count(m => m is SipResponse r && r.StatusCode == code);
}

internal sealed class RecordingUser : ISipTransactionUser
{
    public List<SipServerTransaction> Requests { get; } = [];
    public List<SipRequest> Cancels { get; } = [];
    public List<SipRequest> Acks { get; } = [];
    public List<SipResponse> Stray { get; } = [];
    public Action<SipServerTransaction>? Respond { get; set; }

    public void OnRequest(SipServerTransaction transaction)
    {
        Requests.Add(transaction);
        Respond?.Invoke(transaction);
    }

    public void OnCancel(SipServerInviteTransaction invite, SipRequest cancel) => Cancels.Add(cancel);

    public void OnAck(SipRequest ack, SipEndPoint source) => Acks.Add(ack);

    public void OnStrayResponse(SipResponse response, SipEndPoint source) => Stray.Add(response);
}

internal sealed class TransactionTestKit
{
    public ManualTimeProvider Time { get; } = new();
    public RecordingSender Sender { get; } = new();
    public RecordingUser User { get; } = new();
    public SipTransactionLayer Layer { get; }

    public static readonly SipEndPoint PeerUdp = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5070));
    public static readonly SipEndPoint PeerTcp = new(SipTransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, 40000));

    public TransactionTestKit()
    {
        Layer = new SipTransactionLayer(Sender, Time) { User = User };
    }

    public void Advance(double seconds) => Time.Advance(TimeSpan.FromSeconds(seconds));

    public static SipRequest NewRequest(string method, string branch = "z9hG4bKabc123", uint cseq = 1)
    {
        var r = new SipRequest(method, SipUri.Parse("sip:bob@127.0.0.1:5070"));
        r.Via.Add(new SipVia("UDP", "127.0.0.1", 5070, branch));
        r.From = new SipNameAddress(SipUri.Parse("sip:alice@localhost")) ;
        r.From.Tag = "fromtag";
        r.To = new SipNameAddress(SipUri.Parse("sip:bob@localhost"));
        r.CallId = "call-" + branch;
        r.CSeq = new SipCSeq(cseq, method);
        r.MaxForwards = 70;
        return r;
    }

    public static SipResponse ResponseTo(SipRequest request, int code) => SipResponseFactory.Create(request, code, toTag: "totag");
}
