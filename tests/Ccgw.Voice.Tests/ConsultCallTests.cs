using System.Text;
using Ccgw.Core;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;

namespace Ccgw.Voice.Tests;

/// <summary>
/// Transfer to an agent on a real call through the gateway (issue 19): the test's socket is the trunk's caller and the
/// phones of alice and bob. Consult holds the caller and rings bob's phone; when bob answers the agents are bridged;
/// completing sends BYE to alice's phone and bridges the caller to bob; cancelling (or bob declining) releases bob's
/// leg and bridges the caller to alice again.
/// </summary>
public sealed class ConsultCallTests
{
    [Fact]
    public async Task Consult_rings_bob_bridges_the_agents_and_complete_hands_the_caller_to_bob()
    {
        await using var loops = new Loops();
        await using var bed = await VoiceTestbed.StartAsync(queueCalls: true);
        loops.Run(bed.Engine.RunAsync, bed.Gateway.RunAsync);
        var (call, id, callerInvite, callerTag, aliceInvite) = await ConnectAliceAsync(bed);

        Assert.True((await bed.Engine.ConsultAsync("alice", id, "bob")).IsOk);
        var bobInvite = await bed.NextRequestAsync(SipMethods.Invite);
        Assert.Equal("bob", bobInvite.RequestUri.User);
        Assert.NotEqual(aliceInvite.CallId, bobInvite.CallId);
        await VoiceTestbed.WaitUntilAsync(() => !call.IsBridged && call.IsConsulting, "the caller is held while bob's phone rings");
        await AnswerAsync(bed, bobInvite, "bobphone");
        Assert.Equal(bobInvite.CallId, (await bed.NextRequestAsync(SipMethods.Ack)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => call.AgentsBridged, "alice and bob are bridged");
        Assert.False(call.IsBridged);

        Assert.True((await bed.Engine.CompleteTransferAsync("alice", id)).IsOk);
        Assert.Equal(aliceInvite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => call.IsBridged && !call.AgentsBridged && !call.IsConsulting, "the caller is bridged to bob");
        Assert.Equal("bob", (await bed.Engine.GetInteractionAsync(id))!.Interaction.AgentId);
        Assert.Equal(AgentState.WrapUp, bed.Engine.Snapshot.Agents["alice"].State);

        // The caller hangs up: bob's phone (now the call's agent leg) gets the BYE and every port is freed.
        await bed.SendInDialogAsync(SipMethods.Bye, callerInvite, callerTag, 2);
        Assert.Equal(bobInvite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call ended and freed its ports");
        await VoiceTestbed.WaitUntilAsync(() => bed.Engine.Snapshot.Agents["bob"].State == AgentState.WrapUp, "bob wraps up");
    }

    [Fact]
    public async Task Cancel_consult_sends_bye_to_bob_and_alice_keeps_the_caller()
    {
        await using var loops = new Loops();
        await using var bed = await VoiceTestbed.StartAsync(queueCalls: true);
        loops.Run(bed.Engine.RunAsync, bed.Gateway.RunAsync);
        var (call, id, callerInvite, callerTag, aliceInvite) = await ConnectAliceAsync(bed);

        Assert.True((await bed.Engine.ConsultAsync("alice", id, "bob")).IsOk);
        var bobInvite = await bed.NextRequestAsync(SipMethods.Invite);
        await AnswerAsync(bed, bobInvite, "bobphone");
        await bed.NextRequestAsync(SipMethods.Ack);
        await VoiceTestbed.WaitUntilAsync(() => call.AgentsBridged, "alice and bob are bridged");

        Assert.True((await bed.Engine.CancelConsultAsync("alice", id)).IsOk);
        Assert.Equal(bobInvite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => call.IsBridged && !call.IsConsulting && !call.AgentsBridged, "the caller is back with alice");
        Assert.Equal("alice", (await bed.Engine.GetInteractionAsync(id))!.Interaction.AgentId);
        Assert.Equal(AgentState.Ready, bed.Engine.Snapshot.Agents["bob"].State);

        await bed.SendInDialogAsync(SipMethods.Bye, callerInvite, callerTag, 2);
        Assert.Equal(aliceInvite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call ended and freed its ports");
    }

    [Fact]
    public async Task Bob_declining_ends_the_consult_and_the_caller_is_resumed_with_alice()
    {
        await using var loops = new Loops();
        await using var bed = await VoiceTestbed.StartAsync(queueCalls: true);
        loops.Run(bed.Engine.RunAsync, bed.Gateway.RunAsync);
        var (call, id, callerInvite, callerTag, aliceInvite) = await ConnectAliceAsync(bed);
        var events = bed.Engine.Subscribe();

        Assert.True((await bed.Engine.ConsultAsync("alice", id, "bob")).IsOk);
        var bobInvite = await bed.NextRequestAsync(SipMethods.Invite);
        await bed.RespondAsync(bobInvite, 486);
        await VoiceTestbed.WaitUntilAsync(() => call.IsBridged && !call.IsConsulting, "the caller is back with alice");
        Assert.Empty(bed.Engine.Snapshot.Agents["alice"].Consults);
        Assert.Equal(AgentState.Ready, bed.Engine.Snapshot.Agents["bob"].State);
        InteractionConsultChanged? cancelled = null;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (cancelled is null && await events.WaitToReadAsync(bound.Token))
            if (events.TryRead(out var e) && e is InteractionConsultChanged { Phase: ConsultPhase.Cancelled } c) cancelled = c;
        Assert.True(cancelled!.Failed);
        Assert.Contains("bob", cancelled.Reason, StringComparison.Ordinal);

        await bed.SendInDialogAsync(SipMethods.Bye, callerInvite, callerTag, 2);
        Assert.Equal(aliceInvite.CallId, (await bed.NextRequestAsync(SipMethods.Bye)).CallId);
        await VoiceTestbed.WaitUntilAsync(() => bed.Ports.InUse == 0 && bed.Gateway.ActiveCalls == 0, "the call ended and freed its ports");
    }

    /// <summary>A caller queued in sales, answered by alice's phone and bridged; bob added, registered and ready.</summary>
    private static async Task<(VoiceCall Call, string Id, CallIds CallerInvite, string CallerTag, SipRequest AliceInvite)> ConnectAliceAsync(VoiceTestbed bed)
    {
        Assert.True((await bed.Engine.UpsertAgentAsync(new AgentDefinition("bob", "Bob", new Dictionary<string, int> { ["sales"] = 1 }, new ChannelCapacity()))).IsOk);
        await bed.RegisterPhoneAsync("alice");
        await bed.RegisterPhoneAsync("bob");
        var caller = await bed.SendInviteAsync();
        var callerTag = (await bed.FinalResponseAsync(caller, SipMethods.Invite)).To!.Tag!;
        await bed.SendInDialogAsync(SipMethods.Ack, caller, callerTag, 1);
        await VoiceTestbed.WaitUntilAsync(() => bed.Engine.Snapshot.Queues["sales"].Waiting == 1, "the caller waits in sales");
        Assert.True((await bed.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready)).IsOk);
        var invite = await bed.NextRequestAsync(SipMethods.Invite);
        Assert.Equal("alice", invite.RequestUri.User);
        await AnswerAsync(bed, invite, "alicephone");
        await bed.NextRequestAsync(SipMethods.Ack);
        var call = Assert.Single(bed.Gateway.Registry.Calls);
        await VoiceTestbed.WaitUntilAsync(() => call.Phase == VoiceCallPhase.Connected && call.IsBridged, "the call is bridged");
        Assert.True((await bed.Engine.SetAgentStateAsync("bob", AgentStateRequest.Ready)).IsOk);
        return (call, call.InteractionId!, caller, callerTag, invite);
    }

    private static async Task AnswerAsync(VoiceTestbed bed, SipRequest request, string toTag)
    {
        var ok = SipResponseFactory.Create(request, 200, toTag: toTag);
        ok.Contact.Add(new SipNameAddress(new SipUri("sip", request.RequestUri.User, "127.0.0.1", bed.PeerEndPoint.Port)));
        var sdp = "v=0\r\no=phone 1 " + request.CSeq!.Number + " IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
            "m=audio 40002 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
        ok.ContentType = "application/sdp";
        ok.Body = Encoding.ASCII.GetBytes(sdp);
        await bed.Peer.SendAsync(SipMessageWriter.ToBytes(ok), bed.SipEndPoint);
    }

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
}
