using System.Security.Cryptography;
using System.Threading.Channels;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Invitations;

/// <summary>What inviting gave: the invitation, or why not (a code for the agent's error topic and a sentence).</summary>
public sealed record InviteResult(Invitation? Invitation, string? Code, string? Message)
{
    public static InviteResult Fail(string code, string message) => new(null, code, message);
}

public enum AnswerOutcome
{
    Answered,

    /// <summary>No such invitation for whoever answers (unknown id, another customer's or agent's, or the wrong direction).</summary>
    NotFound,
    AlreadyAnswered,
    Expired,
}

/// <summary>
/// Invitations to live help (issue 18). An agent invites a customer who is present now (signed in on /me, seen by
/// <see cref="PortalPresence"/>, or online over XMPP, the core's client presence); a customer invites an agent who
/// served them before when that agent is ready. The invited side answers once, before
/// <see cref="Lifetime"/> runs out; a forged or stale answer (another's invitation, answered already, expired) changes
/// nothing. Every new invitation and every answer is announced on <see cref="Changes"/> (the MQTT gateway publishes
/// them to the agent) and kept in <see cref="IInvitationRepository"/> for history.
/// </summary>
public sealed partial class InvitationDesk(IInvitationRepository store, RoutingEngine engine, PortalPresence portal, TimeProvider time,
    ILogger<InvitationDesk> log)
{
    /// <summary>An invitation nobody answers within this is void: the moment it was about has passed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>The one medium offered today; a call is the next (the console's call-back does that meanwhile).</summary>
    public const string Chat = "chat";

    private readonly Channel<Invitation> _changes = Channel.CreateBounded<Invitation>(new BoundedChannelOptions(1024)
    {
        // A publisher that fell behind loses the oldest news, never blocks a customer's answer.
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    /// <summary>New invitations and answers, for the one reader that tells agents (the MQTT gateway).</summary>
    public ChannelReader<Invitation> Changes => _changes.Reader;

    /// <summary>Signed in on /me now (seen recently), or online over XMPP (the core's client presence).</summary>
    public bool IsPresent(string customerId) => portal.IsPresent(customerId) ||
        engine.Snapshot.Clients.TryGetValue(customerId, out var p) && p.State != ClientPresenceState.Offline;

    public bool IsAgentReady(string agentId) => engine.Snapshot.Agents.TryGetValue(agentId, out var a) && a.State == AgentState.Ready;

    public async Task<InviteResult> InviteCustomerAsync(string agentId, string customerId, string? medium, CancellationToken cancellationToken)
    {
        if (!string.Equals(medium ?? Chat, Chat, StringComparison.Ordinal))
            return InviteResult.Fail("unsupportedMedium", $"'{medium}' is not a medium an invitation offers; use \"chat\"");
        if (!IsPresent(customerId))
            return InviteResult.Fail("customerNotPresent", $"customer '{customerId}' is neither signed in on /me nor online over XMPP now");
        return await AddAsync(InvitationDirection.AgentToCustomer, agentId, customerId, cancellationToken);
    }

    /// <param name="pastAgents">The agents who served this customer before (their history); only those may be invited.</param>
    public async Task<InviteResult> InviteAgentAsync(string customerId, string agentId, IReadOnlyCollection<string> pastAgents, CancellationToken cancellationToken)
    {
        if (!pastAgents.Contains(agentId))
            return InviteResult.Fail("notYourAgent", "only an agent who helped you before can be invited");
        if (!IsAgentReady(agentId))
            return InviteResult.Fail("agentNotAvailable", "that agent is not available now; try again when they are");
        return await AddAsync(InvitationDirection.CustomerToAgent, agentId, customerId, cancellationToken);
    }

    /// <summary>The customer answers an agent's invitation.</summary>
    public Task<(AnswerOutcome Outcome, Invitation? Invitation)> AnswerAsCustomerAsync(string customerId, string invitationId, bool accept,
        CancellationToken cancellationToken) =>
        AnswerAsync(invitationId, accept, i => i.Direction == InvitationDirection.AgentToCustomer && string.Equals(i.CustomerId, customerId, StringComparison.Ordinal),
            cancellationToken);

    /// <summary>The agent answers a customer's invitation.</summary>
    public Task<(AnswerOutcome Outcome, Invitation? Invitation)> AnswerAsAgentAsync(string agentId, string invitationId, bool accept,
        CancellationToken cancellationToken) =>
        AnswerAsync(invitationId, accept, i => i.Direction == InvitationDirection.CustomerToAgent && string.Equals(i.AgentId, agentId, StringComparison.Ordinal),
            cancellationToken);

    public async Task<IReadOnlyList<Invitation>> ForCustomerAsync(string customerId, int limit, CancellationToken cancellationToken) =>
        await store.ForCustomerAsync(customerId, limit, cancellationToken);

    private async Task<InviteResult> AddAsync(InvitationDirection direction, string agentId, string customerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var invitation = new Invitation("inv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), direction, agentId, customerId, Chat,
            InvitationState.Pending, now, now + Lifetime);
        await store.AddAsync(invitation, cancellationToken);
        _changes.Writer.TryWrite(invitation);
        LogInvited(log, invitation.Id, direction, agentId, customerId);
        return new InviteResult(invitation, null, null);
    }

    private async Task<(AnswerOutcome, Invitation?)> AnswerAsync(string invitationId, bool accept, Func<Invitation, bool> mine,
        CancellationToken cancellationToken)
    {
        if (await store.GetAsync(invitationId, cancellationToken) is not { } known || !mine(known)) return (AnswerOutcome.NotFound, null);
        var now = time.GetUtcNow();
        if (known.State != InvitationState.Pending) return (AnswerOutcome.AlreadyAnswered, known);
        if (known.ExpiresAt <= now) return (AnswerOutcome.Expired, known);
        // The store decides: of two racing answers one wins, the other reads as answered already.
        if (await store.AnswerAsync(invitationId, accept, now, cancellationToken) is not { } answered)
            return (AnswerOutcome.AlreadyAnswered, known);
        _changes.Writer.TryWrite(answered);
        LogAnswered(log, answered.Id, answered.State);
        return (AnswerOutcome.Answered, answered);
    }

    [LoggerMessage(EventId = 18210, Level = LogLevel.Information, Message = "invitation {InvitationId} ({Direction}) between agent {AgentId} and customer {CustomerId}")]
    private static partial void LogInvited(ILogger logger, string invitationId, InvitationDirection direction, string agentId, string customerId);

    [LoggerMessage(EventId = 18211, Level = LogLevel.Information, Message = "invitation {InvitationId} answered: {State}")]
    private static partial void LogAnswered(ILogger logger, string invitationId, InvitationState state);
}

/// <summary>
/// Who is on /me now: the page and its invitation poll mark the customer seen; seen within <see cref="Window"/> counts
/// as present (a closed tab stops polling and drops out). In memory: presence is about now, not history.
/// </summary>
public sealed class PortalPresence(TimeProvider time)
{
    /// <summary>Three poll periods of /me (10 s), so one slow poll does not make a customer absent.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private const int MaximumTracked = 100_000;
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Seen(string customerId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_seen.Count >= MaximumTracked)
                foreach (var (id, at) in _seen.ToList())
                    if (now - at >= Window) _seen.Remove(id);
            _seen[customerId] = now;
        }
    }

    public bool IsPresent(string customerId)
    {
        lock (_gate) return _seen.TryGetValue(customerId, out var at) && time.GetUtcNow() - at < Window;
    }
}
