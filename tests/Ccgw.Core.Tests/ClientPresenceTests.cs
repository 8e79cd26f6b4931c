using Ccgw.Core.Repositories;
using Ccgw.Testing;

namespace Ccgw.Core.Tests;

/// <summary>Customers' presence through the engine (CONTRACT §6 <c>ccgw/clients/{customerId}/presence</c>).</summary>
public sealed class ClientPresenceTests : IAsyncDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly RoutingEngine _engine;
    private readonly System.Threading.Channels.ChannelReader<CoreEvent> _events;
    private readonly Task _run;

    public ClientPresenceTests()
    {
        _engine = new RoutingEngine(new ContactCenterDefinition([Agent("a0")], [Queue("sales")], new RoutingOptions()), _time);
        _events = _engine.Subscribe(_stop.Token);
        _run = _engine.RunAsync(_stop.Token);
    }

    private List<ClientPresenceChanged> Drain()
    {
        var list = new List<ClientPresenceChanged>();
        while (_events.TryRead(out var e))
            if (e is ClientPresenceChanged c) list.Add(c);
        return list;
    }

    [Fact]
    public async Task A_change_emits_an_event_and_is_kept_in_the_snapshot()
    {
        var preferred = new PreferredContact(InteractionChannel.Im, "carol@example.net");
        Assert.True((await _engine.SetClientPresenceAsync("c-42", ClientPresenceState.Online, preferred)).IsOk);

        var changed = Assert.Single(Drain());
        Assert.Equal(new ClientPresence("c-42", ClientPresenceState.Online, preferred, _time.GetUtcNow()), changed.Presence);
        Assert.Equal(ClientPresenceState.Offline, changed.PreviousState);
        Assert.Equal(changed.Presence, _engine.Snapshot.Clients["c-42"]);
        Assert.True(changed.Sequence <= _engine.Snapshot.Version);
    }

    [Fact]
    public async Task Repeating_the_same_presence_emits_nothing_and_since_moves_only_with_the_state()
    {
        await _engine.SetClientPresenceAsync("c-1", ClientPresenceState.Online);
        var since = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(1));
        await _engine.SetClientPresenceAsync("c-1", ClientPresenceState.Online);
        Assert.Single(Drain());

        // Only the preferred contact changes: an event, same since.
        var phone = new PreferredContact(InteractionChannel.Voice, "+4930123456");
        await _engine.SetClientPresenceAsync("c-1", ClientPresenceState.Online, phone);
        var contact = Assert.Single(Drain());
        Assert.Equal(since, contact.Presence.Since);
        Assert.Equal(phone, contact.Presence.PreferredContact);

        _time.Advance(TimeSpan.FromMinutes(1));
        await _engine.SetClientPresenceAsync("c-1", ClientPresenceState.Dnd, phone);
        var dnd = Assert.Single(Drain());
        Assert.Equal((ClientPresenceState.Online, _time.GetUtcNow()), (dnd.PreviousState, dnd.Presence.Since));
    }

    [Fact]
    public async Task Offline_is_published_once_and_leaves_the_snapshot()
    {
        await _engine.SetClientPresenceAsync("c-7", ClientPresenceState.Away);
        await _engine.SetClientPresenceAsync("c-7", ClientPresenceState.Offline);
        await _engine.SetClientPresenceAsync("c-7", ClientPresenceState.Offline);
        await _engine.SetClientPresenceAsync("never-seen", ClientPresenceState.Offline);

        var log = Drain();
        Assert.Equal([ClientPresenceState.Away, ClientPresenceState.Offline], log.Select(e => e.Presence.State));
        Assert.False(_engine.Snapshot.Clients.ContainsKey("c-7"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task A_missing_customer_id_or_unknown_state_is_refused(string id)
    {
        Assert.Equal(CommandStatus.InvalidState, (await _engine.SetClientPresenceAsync(id, ClientPresenceState.Online)).Status);
        Assert.Equal(CommandStatus.InvalidState, (await _engine.SetClientPresenceAsync("c-1", (ClientPresenceState)99)).Status);
        Assert.Empty(Drain());
        Assert.Empty(_engine.Snapshot.Clients);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }
}
