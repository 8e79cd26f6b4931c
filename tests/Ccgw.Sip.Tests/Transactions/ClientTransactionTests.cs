using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using static Ccgw.Sip.Tests.Transactions.TransactionTestKit;

namespace Ccgw.Sip.Tests.Transactions;

public class ClientTransactionTests
{
    [Fact]
    public void Non_invite_over_udp_retransmits_with_timer_E_capped_at_T2_and_times_out_with_F()
    {
        var kit = new TransactionTestKit();
        var timedOut = 0;
        kit.Layer.SendRequest(NewRequest("OPTIONS"), PeerUdp, new SipClientCallbacks(_ => { }, () => timedOut++));
        kit.Advance(0.5);
        Assert.Equal(2, kit.Sender.Requests("OPTIONS"));
        kit.Advance(1.0);
        Assert.Equal(3, kit.Sender.Requests("OPTIONS"));
        kit.Advance(2.0);
        Assert.Equal(4, kit.Sender.Requests("OPTIONS"));
        kit.Advance(4.0);
        Assert.Equal(5, kit.Sender.Requests("OPTIONS"));
        kit.Advance(4.0);
        Assert.Equal(6, kit.Sender.Requests("OPTIONS"));
        kit.Advance(32 - 11.5 - 0.01);
        Assert.Equal(0, timedOut);
        kit.Advance(0.02);
        Assert.Equal(1, timedOut);
        Assert.Equal(11, kit.Sender.Requests("OPTIONS"));
        Assert.Equal(0, kit.Layer.ClientTransactionCount);
        Assert.Equal(0, kit.Time.ActiveTimers);
    }

    [Fact]
    public void Non_invite_final_response_stops_retransmission_and_timer_K_ends_it()
    {
        var kit = new TransactionTestKit();
        var responses = new List<int>();
        var request = NewRequest("REGISTER");
        var tx = kit.Layer.SendRequest(request, PeerUdp, new SipClientCallbacks(r => responses.Add(r.StatusCode), () => Assert.Fail("timeout")));
        kit.Layer.ReceiveResponse(ResponseTo(request, 100), PeerUdp);
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        kit.Advance(0.5);
        Assert.Equal(2, kit.Sender.Requests("REGISTER"));
        kit.Advance(4.0);
        Assert.Equal(3, kit.Sender.Requests("REGISTER"));
        kit.Layer.ReceiveResponse(ResponseTo(request, 200), PeerUdp);
        kit.Layer.ReceiveResponse(ResponseTo(request, 200), PeerUdp);
        Assert.Equal([100, 200], responses);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        kit.Advance(5);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(3, kit.Sender.Requests("REGISTER"));
        kit.Layer.ReceiveResponse(ResponseTo(request, 200), PeerUdp);
        Assert.Single(kit.User.Stray);
    }

    [Fact]
    public void Invite_over_udp_doubles_timer_A_and_times_out_after_64_T1()
    {
        var kit = new TransactionTestKit();
        var timedOut = false;
        kit.Layer.SendRequest(NewRequest("INVITE"), PeerUdp, new SipClientCallbacks(_ => { }, () => timedOut = true));
        kit.Advance(31.9);
        Assert.Equal(7, kit.Sender.Requests("INVITE"));
        Assert.False(timedOut);
        kit.Advance(0.1);
        Assert.True(timedOut);
        Assert.Equal(0, kit.Layer.ClientTransactionCount);
    }

    [Fact]
    public void Invite_over_tcp_is_never_retransmitted()
    {
        var kit = new TransactionTestKit();
        kit.Layer.SendRequest(NewRequest("INVITE"), PeerTcp, new SipClientCallbacks(_ => { }, () => { }));
        kit.Advance(31);
        Assert.Equal(1, kit.Sender.Requests("INVITE"));
    }

    [Fact]
    public void Invite_non_2xx_final_is_acked_by_the_transaction_and_again_for_each_retransmission()
    {
        var kit = new TransactionTestKit();
        var got = new List<int>();
        var invite = NewRequest("INVITE");
        var tx = kit.Layer.SendRequest(invite, PeerUdp, new SipClientCallbacks(r => got.Add(r.StatusCode), () => Assert.Fail("timeout")));
        kit.Layer.ReceiveResponse(ResponseTo(invite, 180), PeerUdp);
        kit.Advance(10);
        Assert.Equal(1, kit.Sender.Requests("INVITE"));
        kit.Layer.ReceiveResponse(ResponseTo(invite, 486), PeerUdp);
        var ack = Assert.IsType<SipRequest>(kit.Sender.Sent[^1].Message);
        Assert.Equal("ACK", ack.Method);
        Assert.Equal(invite.Via[0].Branch, ack.Via[0].Branch);
        Assert.Equal("totag", ack.To!.Tag);
        Assert.Equal(new SipCSeq(1, "ACK"), ack.CSeq);
        kit.Layer.ReceiveResponse(ResponseTo(invite, 486), PeerUdp);
        Assert.Equal(2, kit.Sender.Requests("ACK"));
        Assert.Equal([180, 486], got);
        kit.Advance(32);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Invite_2xx_terminates_the_transaction_and_later_2xx_go_to_the_user()
    {
        var kit = new TransactionTestKit();
        var invite = NewRequest("INVITE");
        var tx = kit.Layer.SendRequest(invite, PeerUdp, new SipClientCallbacks(_ => { }, () => { }));
        kit.Layer.ReceiveResponse(ResponseTo(invite, 200), PeerUdp);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, kit.Sender.Requests("ACK"));
        kit.Layer.ReceiveResponse(ResponseTo(invite, 200), PeerUdp);
        Assert.Single(kit.User.Stray);
    }
}
