using System.Text;
using Ccgw.Core;
using Ccgw.Media.Sdp;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;

namespace Ccgw.Voice.Tests;

/// <summary>
/// Console hold and resume on a real call through the gateway: the test's socket is the trunk's caller and alice's
/// phone. The core applies the command; the gateway takes the bridge down, plays music on hold to the caller and
/// re-INVITEs the phone with a=sendonly (RFC 3264 §8.4), then on resume with a=sendrecv, ACKs each 2xx and bridges again.
/// </summary>
public sealed class HoldCallTests
{
    [Fact]
    public async Task Hold_re_INVITEs_the_agents_phone_sendonly_and_resume_sendrecv_then_bridges_again()
    {
        // Declared first, stopped last: the testbed hangs up what is left while the core still runs.
        await using var loops = new Loops();
        await using var bed = await VoiceTestbed.StartAsync(queueCalls: true);
        loops.Run(bed.Engine.RunAsync, bed.Gateway.RunAsync);
        await bed.RegisterPhoneAsync("alice");
        var caller = await bed.SendInviteAsync();
        var answered = await bed.FinalResponseAsync(caller, SipMethods.Invite);
        Assert.Equal(200, answered.StatusCode);
        var callerTag = answered.To!.Tag!;
        await bed.SendInDialogAsync(SipMethods.Ack, caller, callerTag, 1);
        await VoiceTestbed.WaitUntilAsync(() => bed.Engine.Snapshot.Queues["sales"].Waiting == 1, "the caller waits in sales");

        // alice goes ready: her phone rings and answers; the gateway ACKs and bridges.
        Assert.True((await bed.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready)).IsOk);
        var invite = await bed.NextRequestAsync(SipMethods.Invite);
        await AnswerAsync(bed, invite, "sendrecv", toTag: "alicephone");
        Assert.Equal(invite.CallId, (await bed.NextRequestAsync(SipMethods.Ack)).CallId);
        var call = Assert.Single(bed.Gateway.Registry.Calls);
        await VoiceTestbed.WaitUntilAsync(() => call.Phase == VoiceCallPhase.Connected && call.IsBridged, "the call is bridged");
        var id = call.InteractionId!;

        // Hold: the phone gets a re-INVITE in its dialog offering a=sendonly; its a=recvonly answer is ACKed.
        Assert.True((await bed.Engine.SetHoldAsync("alice", id, hold: true)).IsOk);
        var hold = await bed.NextRequestAsync(SipMethods.Invite);
        Assert.Equal(invite.CallId, hold.CallId);
        Assert.Equal("alicephone", hold.To!.Tag);
        Assert.Equal(invite.CSeq!.Number + 1, hold.CSeq!.Number);
        var offer = SessionDescription.Parse(Encoding.UTF8.GetString(hold.Body.Span));
        Assert.Equal(MediaDirection.SendOnly, offer.Media[0].GetDirection(offer));
        Assert.False(call.IsBridged);
        Assert.True(call.IsHeld);
        await AnswerAsync(bed, hold, "recvonly");
        var ack = await bed.NextRequestAsync(SipMethods.Ack);
        Assert.Equal((hold.CallId, hold.CSeq.Number), (ack.CallId, ack.CSeq!.Number));
        await VoiceTestbed.WaitUntilAsync(() => call.MediaOf(caller: false)?.Audio?.Direction == MediaDirection.SendOnly,
            "the phone's answer is applied: we send only, so its silence is no RTP timeout");
        Assert.False(call.MediaOf(caller: false)!.ExpectsMedia);
        Assert.Equal(id, Assert.Single(bed.Engine.Snapshot.Agents["alice"].HeldInteractionIds));
        Assert.Equal(CommandStatus.InvalidState, (await bed.Engine.SetHoldAsync("alice", id, hold: true)).Status);

        // Resume: a=sendrecv, ACK, and the two legs are bridged again.
        Assert.True((await bed.Engine.SetHoldAsync("alice", id, hold: false)).IsOk);
        var resume = await bed.NextRequestAsync(SipMethods.Invite);
        Assert.Equal(hold.CSeq.Number + 1, resume.CSeq!.Number);
        var again = SessionDescription.Parse(Encoding.UTF8.GetString(resume.Body.Span));
        Assert.Equal(MediaDirection.SendReceive, again.Media[0].GetDirection(again));
        await AnswerAsync(bed, resume, "sendrecv");
        Assert.Equal(resume.CSeq.Number, (await bed.NextRequestAsync(SipMethods.Ack)).CSeq!.Number);
        await VoiceTestbed.WaitUntilAsync(() => call.IsBridged && !call.IsHeld, "bridged again after resume");
        Assert.True(call.MediaOf(caller: false)!.ExpectsMedia);
        Assert.Empty(bed.Engine.Snapshot.Agents["alice"].HeldInteractionIds);

        // The caller hangs up: alice's phone gets BYE and every port is freed.
        await bed.SendInDialogAsync(SipMethods.Bye, caller, callerTag, 2);
        Assert.Equal(invite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call ended and freed its ports");
    }

    [Fact]
    public async Task A_held_call_whose_caller_hangs_up_stops_the_music_and_frees_both_legs()
    {
        // Declared first, stopped last: the testbed hangs up what is left while the core still runs.
        await using var loops = new Loops();
        await using var bed = await VoiceTestbed.StartAsync(queueCalls: true);
        loops.Run(bed.Engine.RunAsync, bed.Gateway.RunAsync);
        await bed.RegisterPhoneAsync("alice");
        var caller = await bed.SendInviteAsync();
        var callerTag = (await bed.FinalResponseAsync(caller, SipMethods.Invite)).To!.Tag!;
        await bed.SendInDialogAsync(SipMethods.Ack, caller, callerTag, 1);
        await VoiceTestbed.WaitUntilAsync(() => bed.Engine.Snapshot.Queues["sales"].Waiting == 1, "the caller waits in sales");
        await bed.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var invite = await bed.NextRequestAsync(SipMethods.Invite);
        await AnswerAsync(bed, invite, "sendrecv", toTag: "alicephone");
        await bed.NextRequestAsync(SipMethods.Ack);
        var call = Assert.Single(bed.Gateway.Registry.Calls);
        await VoiceTestbed.WaitUntilAsync(() => call.IsBridged, "the call is bridged");

        Assert.True((await bed.Engine.SetHoldAsync("alice", call.InteractionId!, hold: true)).IsOk);
        var hold = await bed.NextRequestAsync(SipMethods.Invite);
        await AnswerAsync(bed, hold, "recvonly");
        await bed.NextRequestAsync(SipMethods.Ack);

        await bed.SendInDialogAsync(SipMethods.Bye, caller, callerTag, 2);
        Assert.Equal(invite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the held call ended and freed its ports");
        await VoiceTestbed.WaitUntilAsync(() => bed.Engine.Snapshot.Agents["alice"].State == AgentState.WrapUp, "alice wraps up");
        Assert.Empty(bed.Engine.Snapshot.Agents["alice"].HeldInteractionIds);
    }

    /// <summary>The core's and the gateway's loops for one test, cancelled and awaited on dispose.</summary>
    private sealed class Loops : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _running = [];

        public void Run(params Func<CancellationToken, Task>[] loops)
        {
            foreach (var loop in loops) _running.Add(loop(_stop.Token));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_running);
            _stop.Dispose();
        }
    }

    /// <summary>The phone's 200 to an INVITE or re-INVITE, with an SDP answer in <paramref name="direction"/>.</summary>
    private static async Task AnswerAsync(VoiceTestbed bed, SipRequest request, string direction, string? toTag = null)
    {
        var ok = SipResponseFactory.Create(request, 200, toTag: toTag);
        ok.Contact.Add(new SipNameAddress(new SipUri("sip", "alice", "127.0.0.1", bed.PeerEndPoint.Port)));
        var sdp = "v=0\r\no=phone 1 " + request.CSeq!.Number + " IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
            "m=audio 40002 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=" + direction + "\r\n";
        ok.ContentType = "application/sdp";
        ok.Body = Encoding.ASCII.GetBytes(sdp);
        await bed.Peer.SendAsync(SipMessageWriter.ToBytes(ok), bed.SipEndPoint);
    }
}
