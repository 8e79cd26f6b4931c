using System.Text;
using Ccgw.Core;
using Ccgw.Core.Invitations;
using Ccgw.Core.Repositories;
using Ccgw.Mqtt.Gateway;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>
/// Console commands <c>invite</c>, <c>acceptInvitation</c>, <c>declineInvitation</c> (issue 18) against the real routing
/// core and a fake clock: a customer who is not present is refused with <c>customerNotPresent</c>; one on /me is
/// invited; an agent answers a customer's invitation to them once, before it expires, and no one else's.
/// </summary>
public sealed class InvitationCommandTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly GatewayTests.RecordingLink _link = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryInvitations _store = new();
    private RoutingEngine _engine = null!;
    private GatewayOutbox _outbox = null!;
    private PortalPresence _portal = null!;
    private InvitationDesk _desk = null!;
    private Task _engineRun = Task.CompletedTask;

    public Task InitializeAsync()
    {
        var agents = new[] { "alice", "bob" }.Select(id =>
            new AgentDefinition(id, id, new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 3, 1))).ToList();
        _engine = new RoutingEngine(new ContactCenterDefinition(agents, [new("sales", new Dictionary<string, int> { ["sales"] = 1 })], new RoutingOptions()), _time);
        _engineRun = _engine.RunAsync(_stop.Token);
        _outbox = new GatewayOutbox(_link, NullLogger<GatewayOutbox>.Instance);
        _portal = new PortalPresence(_time);
        _desk = new InvitationDesk(_store, _engine, _portal, _time, NullLogger<InvitationDesk>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _engineRun.ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private Task<CommandFailure?> ApplyAsync(string agent, string json) =>
        new ConsoleCommandHandler(_engine, _outbox, _time, NullLogger<ConsoleCommandHandler>.Instance, _desk)
            .ApplyAsync(agent, Encoding.UTF8.GetBytes(json), CancellationToken.None);

    [Fact]
    public async Task An_agent_invites_only_a_customer_who_is_present_and_only_to_a_chat()
    {
        Assert.Equal("customerNotPresent", (await ApplyAsync("alice", """{"action":"invite","customerId":"carol","medium":"chat"}"""))?.Code);
        Assert.Equal("invalidCommand", (await ApplyAsync("alice", """{"action":"invite"}"""))?.Code);
        Assert.Empty(_store.All);

        _portal.Seen("carol");
        Assert.Equal("unsupportedMedium", (await ApplyAsync("alice", """{"action":"invite","customerId":"carol","medium":"fax"}"""))?.Code);
        Assert.Null(await ApplyAsync("alice", """{"action":"invite","customerId":"carol","medium":"chat"}"""));
        var invitation = Assert.Single(_store.All);
        Assert.Equal((InvitationDirection.AgentToCustomer, "alice", "carol", InvitationState.Pending),
            (invitation.Direction, invitation.AgentId, invitation.CustomerId, invitation.State));
        Assert.True(_desk.Changes.TryRead(out var published));
        Assert.Equal(invitation.Id, published.Id);

        // Left the page more than the presence window ago: no longer present.
        _time.Advance(PortalPresence.Window);
        Assert.Equal("customerNotPresent", (await ApplyAsync("bob", """{"action":"invite","customerId":"carol"}"""))?.Code);

        // Online over XMPP counts as present too.
        await _engine.SetClientPresenceAsync("dave", ClientPresenceState.Online);
        Assert.Null(await ApplyAsync("bob", """{"action":"invite","customerId":"dave"}"""));
    }

    [Fact]
    public async Task An_agent_answers_a_customers_invitation_to_them_once_before_it_expires()
    {
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var made = await _desk.InviteAgentAsync("carol", "alice", ["alice"], CancellationToken.None);
        var id = made.Invitation!.Id;
        Assert.Equal("agentNotAvailable", (await _desk.InviteAgentAsync("carol", "bob", ["bob"], CancellationToken.None)).Code);
        Assert.Equal("notYourAgent", (await _desk.InviteAgentAsync("carol", "bob", ["alice"], CancellationToken.None)).Code);

        Assert.Equal("notFound", (await ApplyAsync("bob", $$"""{"action":"acceptInvitation","invitationId":"{{id}}"}"""))?.Code);
        Assert.Equal("invalidCommand", (await ApplyAsync("alice", """{"action":"acceptInvitation"}"""))?.Code);
        Assert.Null(await ApplyAsync("alice", $$"""{"action":"acceptInvitation","invitationId":"{{id}}"}"""));
        Assert.Equal(InvitationState.Accepted, _store.All.Single(i => i.Id == id).State);
        Assert.Equal("invalidState", (await ApplyAsync("alice", $$"""{"action":"declineInvitation","invitationId":"{{id}}"}"""))?.Code);
        Assert.Equal(InvitationState.Accepted, _store.All.Single(i => i.Id == id).State);

        var late = (await _desk.InviteAgentAsync("carol", "alice", ["alice"], CancellationToken.None)).Invitation!.Id;
        _time.Advance(InvitationDesk.Lifetime);
        Assert.Equal("expired", (await ApplyAsync("alice", $$"""{"action":"declineInvitation","invitationId":"{{late}}"}"""))?.Code);
        Assert.Equal(InvitationState.Pending, _store.All.Single(i => i.Id == late).State);

        // The customer cannot answer their own invitation to the agent (wrong direction): not theirs to answer.
        var mine = (await _desk.InviteAgentAsync("carol", "alice", ["alice"], CancellationToken.None)).Invitation!.Id;
        Assert.Equal(AnswerOutcome.NotFound, (await _desk.AnswerAsCustomerAsync("carol", mine, true, CancellationToken.None)).Outcome);
    }

    private sealed class MemoryInvitations : IInvitationRepository
    {
        private readonly Dictionary<string, Invitation> _rows = new(StringComparer.Ordinal);

        public IReadOnlyList<Invitation> All => [.. _rows.Values];

        public ValueTask AddAsync(Invitation invitation, CancellationToken cancellationToken = default)
        {
            _rows[invitation.Id] = invitation;
            return ValueTask.CompletedTask;
        }

        public ValueTask<Invitation?> GetAsync(string id, CancellationToken cancellationToken = default) => ValueTask.FromResult(_rows.GetValueOrDefault(id));

        public ValueTask<IReadOnlyList<Invitation>> ForCustomerAsync(string customerId, int limit, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<Invitation>>([.. _rows.Values.Where(i => i.CustomerId == customerId).OrderByDescending(i => i.CreatedAt).Take(limit)]);

        public ValueTask<Invitation?> AnswerAsync(string id, bool accept, DateTimeOffset now, CancellationToken cancellationToken = default)
        {
            if (!_rows.TryGetValue(id, out var i) || !i.IsOpen(now)) return ValueTask.FromResult<Invitation?>(null);
            var answered = i with { State = accept ? InvitationState.Accepted : InvitationState.Declined, AnsweredAt = now };
            _rows[id] = answered;
            return ValueTask.FromResult<Invitation?>(answered);
        }
    }
}
