using Ccgw.Core;
using Ccgw.Testing;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>An agent's XMPP presence drives its routing state (when configured); a customer's becomes client presence.</summary>
public sealed class XmppPresenceBridgeTests : IAsyncLifetime
{
    private static readonly ScramCredential NoKeys = new([1], 4096, [1], [1]);
    private static readonly XmppAccount Alice = new("alice", XmppAccountKind.Agent, NoKeys, NoKeys) { Id = "alice" };
    private static readonly XmppAccount Carol = new("carol", XmppAccountKind.Customer, NoKeys, NoKeys, "c-42") { Id = "c-42" };

    private readonly CancellationTokenSource _stop = new();
    private readonly RoutingEngine _engine = new(new ContactCenterDefinition(
        [new AgentDefinition("alice", "Alice", new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 1, 1))],
        [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 })], new RoutingOptions()), new ManualTimeProvider());
    private Task _run = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _run = _engine.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }

    private XmppPresenceBridge Bridge(bool drivesState) => new(drivesState, _engine, NullLogger<XmppPresenceBridge>.Instance);

    private static Jid Bare(string user) => Jid.Parse($"{user}@example.com");

    [Fact]
    public async Task Available_makes_the_agent_ready_away_not_ready_and_offline_loses_the_xmpp_device()
    {
        var bridge = Bridge(drivesState: true);

        await bridge.OnPresenceChangedAsync(Alice, Bare("alice"), XmppPresenceShow.Available, default);
        Assert.Equal(AgentState.Ready, _engine.Snapshot.Agents["alice"].State);

        await bridge.OnPresenceChangedAsync(Alice, Bare("alice"), XmppPresenceShow.DoNotDisturb, default);
        Assert.Equal(AgentState.NotReady, _engine.Snapshot.Agents["alice"].State);

        await bridge.OnPresenceChangedAsync(Alice, Bare("alice"), XmppPresenceShow.Unavailable, default);
        Assert.Contains(XmppPresenceBridge.Device, _engine.Snapshot.Agents["alice"].LostDevices);

        await bridge.OnPresenceChangedAsync(Alice, Bare("alice"), XmppPresenceShow.Chat, default);
        Assert.DoesNotContain(XmppPresenceBridge.Device, _engine.Snapshot.Agents["alice"].LostDevices);
        Assert.Equal(AgentState.Ready, _engine.Snapshot.Agents["alice"].State);
    }

    [Fact]
    public async Task Without_Xmpp_PresenceDrivesAgentState_an_agents_presence_changes_nothing()
    {
        var before = _engine.Snapshot.Agents["alice"].State;

        await Bridge(drivesState: false).OnPresenceChangedAsync(Alice, Bare("alice"), XmppPresenceShow.Available, default);

        Assert.Equal(before, _engine.Snapshot.Agents["alice"].State);
    }

    [Fact]
    public async Task A_customers_presence_becomes_client_presence_and_offline_removes_it()
    {
        var bridge = Bridge(drivesState: false);

        await bridge.OnPresenceChangedAsync(Carol, Bare("carol"), XmppPresenceShow.ExtendedAway, default);
        Assert.Equal(ClientPresenceState.Away, _engine.Snapshot.Clients["c-42"].State);

        await bridge.OnPresenceChangedAsync(Carol, Bare("carol"), XmppPresenceShow.Unavailable, default);
        Assert.False(_engine.Snapshot.Clients.ContainsKey("c-42"));
    }
}
