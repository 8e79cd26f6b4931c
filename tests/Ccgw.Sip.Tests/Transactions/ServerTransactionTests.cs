using System.Net;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using static Ccgw.Sip.Tests.Transactions.TransactionTestKit;

namespace Ccgw.Sip.Tests.Transactions;

public class ServerTransactionTests
{
    [Fact]
    public void Non_invite_retransmission_gets_the_final_again_until_timer_J()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 200));
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS"), PeerUdp);
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS"), PeerUdp);
        Assert.Single(kit.User.Requests);
        Assert.Equal(2, kit.Sender.Responses(200));
        kit.Advance(32);
        Assert.Equal(0, kit.Layer.ServerTransactionCount);
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS"), PeerUdp);
        Assert.Equal(2, kit.User.Requests.Count);
    }

    [Fact]
    public void Non_invite_over_tcp_terminates_at_once_after_the_final()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 200));
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS"), PeerTcp);
        Assert.Equal(0, kit.Layer.ServerTransactionCount);
        Assert.Equal(PeerTcp, kit.Sender.Sent[0].To);
    }

    [Fact]
    public void Invite_sends_trying_then_retransmits_non_2xx_with_timer_G_until_ack()
    {
        var kit = new TransactionTestKit();
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        Assert.Equal(1, kit.Sender.Responses(100));
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        Assert.Single(kit.User.Requests);
        var tx = (SipServerInviteTransaction)kit.User.Requests[0];
        tx.SendResponse(ResponseTo(tx.Request, 486));
        kit.Advance(0.5);
        kit.Advance(1.0);
        kit.Advance(2.0);
        Assert.Equal(4, kit.Sender.Responses(486));
        var ack = NewRequest("ACK");
        kit.Layer.ReceiveRequest(ack, PeerUdp);
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        Assert.Empty(kit.User.Acks);
        kit.Advance(4.9);
        Assert.Equal(4, kit.Sender.Responses(486));
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        kit.Advance(0.1);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Invite_without_ack_fires_timer_H()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 603));
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        var tx = (SipServerInviteTransaction)kit.User.Requests[0];
        var ackTimeout = false;
        tx.AckTimeout += _ => ackTimeout = true;
        kit.Advance(31.9);
        Assert.False(ackTimeout);
        kit.Advance(0.2);
        Assert.True(ackTimeout);
        Assert.Equal(0, kit.Layer.ServerTransactionCount);
    }

    [Fact]
    public void Invite_2xx_enters_accepted_absorbing_retransmissions_and_passing_acks_up()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 200));
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        Assert.Single(kit.User.Requests);
        Assert.Equal(SipTransactionState.Accepted, kit.User.Requests[0].State);
        kit.Layer.ReceiveRequest(NewRequest("ACK", branch: "z9hG4bKother"), PeerUdp);
        Assert.Single(kit.User.Acks);
        kit.Advance(32);
        Assert.Equal(SipTransactionState.Terminated, kit.User.Requests[0].State);
    }

    [Fact]
    public void Invite_2xx_is_retransmitted_over_udp_until_its_ack_arrives()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 200));
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        kit.Advance(0.5);
        kit.Advance(1.0);
        Assert.Equal(3, kit.Sender.Responses(200));
        var ack = NewRequest("ACK", branch: "z9hG4bKack2xx");
        ack.CallId = kit.User.Requests[0].Request.CallId;
        kit.Layer.ReceiveRequest(ack, PeerUdp);
        Assert.Single(kit.User.Acks);
        kit.Advance(10);
        Assert.Equal(3, kit.Sender.Responses(200));
        var tx = (SipServerInviteTransaction)kit.User.Requests[0];
        var timedOut = false;
        tx.AckTimeout += _ => timedOut = true;
        kit.Advance(30);
        Assert.False(timedOut);
        Assert.Equal(0, kit.Layer.ServerTransactionCount);
    }

    [Fact]
    public void Unacknowledged_2xx_raises_ack_timeout_when_timer_L_fires()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 200));
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        var tx = (SipServerInviteTransaction)kit.User.Requests[0];
        var timedOut = false;
        tx.AckTimeout += _ => timedOut = true;
        kit.Advance(31.9);
        Assert.False(timedOut);
        Assert.Equal(11, kit.Sender.Responses(200));
        kit.Advance(0.2);
        Assert.True(timedOut);
        Assert.Equal(0, kit.Time.ActiveTimers);
    }

    [Fact]
    public void Cancel_matches_the_pending_invite_and_unknown_cancel_gets_481()
    {
        var kit = new TransactionTestKit();
        kit.Layer.ReceiveRequest(NewRequest("INVITE"), PeerUdp);
        kit.Layer.ReceiveRequest(NewRequest("CANCEL"), PeerUdp);
        Assert.Single(kit.User.Cancels);
        Assert.Equal(1, kit.Sender.Count(m => m is SipResponse { StatusCode: 200, CSeq.Method: "CANCEL" }));
        kit.Layer.ReceiveRequest(NewRequest("CANCEL", branch: "z9hG4bKnothing"), PeerUdp);
        Assert.Equal(1, kit.Sender.Responses(481));
        Assert.Single(kit.User.Cancels);
    }

    [Fact]
    public void Rfc2543_requests_without_magic_cookie_are_matched_by_the_fallback_key()
    {
        var kit = new TransactionTestKit();
        kit.User.Respond = tx => tx.SendResponse(ResponseTo(tx.Request, 200));
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS", branch: "old-style"), PeerUdp);
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS", branch: "old-style"), PeerUdp);
        Assert.Single(kit.User.Requests);
        kit.Layer.ReceiveRequest(NewRequest("OPTIONS", branch: "old-style", cseq: 2), PeerUdp);
        Assert.Equal(2, kit.User.Requests.Count);
    }

    [Fact]
    public void Responses_follow_received_and_rport()
    {
        var request = NewRequest("OPTIONS");
        request.Via[0] = new SipVia("UDP", "10.0.0.9", 5999, "z9hG4bKx");
        request.Via[0].Parameters.Set("rport", null);
        var source = new SipEndPoint(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.7"), 41000));
        SipResponseRouting.StampReceived(request, source);
        Assert.Equal("192.0.2.7", request.Via[0].Received);
        Assert.Equal(41000, request.Via[0].RPort);
        Assert.Equal(source, SipResponseRouting.DestinationFor(request.Via[0], source));
        var noRport = new SipVia("UDP", "10.0.0.9", 5999, "z9hG4bKy") { Received = "192.0.2.7" };
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5999), SipResponseRouting.DestinationFor(noRport, source).Address);
    }
}
