using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Sip.Message;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Voice.Tests;

/// <summary>The indexes that find live calls and call-backs, and that a call-back's clean-up leaves none of its entries.</summary>
public sealed class CallRegistryTests
{
    private static InteractionView View(string id, InteractionChannel channel, string? key = null) => new(id,
        new InteractionRequest { Channel = channel, QueueId = "sales", ChannelKey = key }, "sales", InteractionState.Offered, "alice",
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_call_back_is_made_once_per_interaction_and_forgotten_with_its_legs()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var registry = new CallRegistry();
        var parts = bed.NewParts(registry);
        var made = 0;
        CallbackCall Make(string id)
        {
            made++;
            return new CallbackCall(parts, View(id, InteractionChannel.Callback), CallbackDialMode.AgentFirst, NullLogger.Instance);
        }

        var callback = registry.GetOrAddCallback("cb-1", Make);
        Assert.Same(callback, registry.GetOrAddCallback("cb-1", Make));
        Assert.Equal(1, made);
        Assert.Equal(1, registry.ActiveCallbacks);

        var uri = new SipUri("sip", "alice", "127.0.0.1", 5070);
        var leg = new OutboundLeg(parts.Dialler.Sip, uri, new Ccgw.Sip.Transport.SipEndPoint(Ccgw.Sip.Transport.SipTransportKind.Udp,
            new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5070)), parts.Dialler.Sip.OnDomain("5550100"), new SipNameAddress(uri), "v=0\r\n");
        registry.RouteCallbackLeg(leg, callback);
        Assert.Same(leg, registry.LegByCallId(leg.CallId));

        registry.ForgetCallback(callback, leg);
        Assert.Null(registry.LegByCallId(leg.CallId));
        Assert.Null(registry.Callback("cb-1"));
        Assert.Equal(0, registry.ActiveCallbacks);
    }

    [Fact]
    public void Only_a_voice_interaction_with_a_live_key_is_a_call()
    {
        var registry = new CallRegistry();
        Assert.Null(registry.CallOf(View("i-1", InteractionChannel.Voice, key: "call-unknown")));
        Assert.Null(registry.CallOf(View("i-2", InteractionChannel.Voice)));
        Assert.Null(registry.CallOf(View("i-3", InteractionChannel.Im, key: "call-unknown")));
        Assert.Null(registry.CallDialog("no;such;dialog"));
        Assert.Null(registry.CallByInvite("no-such-invite"));
    }

    [Fact]
    public async Task Forgetting_one_call_back_leaves_another_alone()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var registry = new CallRegistry();
        var parts = bed.NewParts(registry);
        var first = registry.GetOrAddCallback("cb-1", id => new CallbackCall(parts, View(id, InteractionChannel.Callback), CallbackDialMode.AgentFirst, NullLogger.Instance));
        var second = registry.GetOrAddCallback("cb-2", id => new CallbackCall(parts, View(id, InteractionChannel.Callback), CallbackDialMode.CustomerFirst, NullLogger.Instance));
        registry.ForgetCallback(first);
        Assert.Null(registry.Callback("cb-1"));
        Assert.Same(second, registry.Callback("cb-2"));
    }
}
