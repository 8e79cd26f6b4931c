using System.Threading.Channels;
using Ccgw.Core.Routing;

namespace Ccgw.Core;

/// <summary>
/// The routing core as the daemon and channel adapters use it. Commands from any thread are queued into one
/// <see cref="Channel{T}"/> and applied, in order, by the single loop in <see cref="RunAsync"/>, which alone owns the
/// routing state (no locks in routing). Each command's task completes after it was applied and its events were
/// handed to subscribers. Time comes only from the injected <see cref="TimeProvider"/>; the state machine's timers
/// (offer timeouts, wrap-up, device grace, widening, overflow) re-enter the loop as a tick command.
/// Commands wait until <see cref="RunAsync"/> runs; they fail with <see cref="OperationCanceledException"/> once it stopped.
/// </summary>
public sealed class RoutingEngine
{
    /// <summary>Default per-subscriber buffer: a minute of a busy centre; a subscriber further behind is cut off, not waited for.</summary>
    public const int DefaultSubscriberCapacity = 65_536;

    private readonly ContactCenterState _state;
    private readonly TimeProvider _time;
    private readonly Channel<EngineCommand> _commands = Channel.CreateUnbounded<EngineCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly EventHub _hub = new();
    private CenterSnapshot _snapshot;
    private int _running;

    /// <summary>Validates <paramref name="definition"/> (throws <see cref="ArgumentException"/> listing every problem) and builds the state.</summary>
    public RoutingEngine(ContactCenterDefinition definition, TimeProvider time)
        : this(definition, time, null)
    {
    }

    internal RoutingEngine(ContactCenterDefinition definition, TimeProvider time, string? idPrefix)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _state = new ContactCenterState(definition, time.GetUtcNow(), idPrefix);
        _snapshot = _state.Snapshot;
    }

    /// <summary>The state machine, for tests that inspect it after <see cref="RunAsync"/> has returned.</summary>
    internal ContactCenterState State => _state;

    /// <summary>The latest published view (presence, queue figures, totals). Lock-free; never torn.</summary>
    public CenterSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// A new subscriber's stream of every event applied from now on, in order. Each subscriber has its own bounded buffer
    /// of <paramref name="capacity"/>: the loop never waits for a subscriber (a slow MQTT client must not stall routing)
    /// and never silently drops; a subscriber that falls that far behind has its reader completed with
    /// <see cref="EventStreamOverflowException"/> and should re-read <see cref="Snapshot"/> and subscribe again.
    /// Events with <see cref="CoreEvent.Sequence"/> up to <see cref="CenterSnapshot.Version"/> are already in the snapshot.
    /// Cancelling <paramref name="cancellationToken"/> ends the subscription.
    /// </summary>
    public ChannelReader<CoreEvent> Subscribe(CancellationToken cancellationToken = default, int capacity = DefaultSubscriberCapacity) =>
        _hub.Subscribe(capacity, cancellationToken);

    /// <summary>Runs the single writer loop until cancelled. Call once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new InvalidOperationException("the routing engine is already running");
        using var timer = _time.CreateTimer(_ => _commands.Writer.TryWrite(TickCommand.Instance), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            var reader = _commands.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var command))
                {
                    command.Execute(_state, _time.GetUtcNow());
                    Publish();
                    command.Complete();
                }

                // Re-armed after every batch, not only when the due time moved: a tick that fired early (clock
                // adjustments) fires nothing, and the same due time must then be armed again.
                var due = _state.NextDueAt is { } next ? Max(next - _time.GetUtcNow(), TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
                timer.Change(due, Timeout.InfiniteTimeSpan);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            _commands.Writer.TryComplete();
            while (_commands.Reader.TryRead(out var pending))
                pending.Cancel();
            _hub.CompleteAll();
        }
    }

    /// <summary>Queues an interaction and routes it; returns its id, state right after routing, position and estimated wait.</summary>
    public Task<SubmitResult> SubmitInteractionAsync(InteractionRequest request, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.Submit(request, now), cancellationToken);

    /// <summary>Agent (or admin) asks for ready, not-ready with a reason, or offline (log out).</summary>
    public Task<CommandResult> SetAgentStateAsync(string agentId, AgentStateRequest state, string? reason = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.SetAgentState(agentId, state, reason, now), cancellationToken);

    public Task<CommandResult> AcceptOfferAsync(string agentId, string interactionId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.AcceptOffer(agentId, interactionId, now), cancellationToken);

    /// <summary>The agent declines; the interaction keeps its place and goes to the next agent.</summary>
    public Task<CommandResult> RejectOfferAsync(string agentId, string interactionId, string? reason = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.RejectOffer(agentId, interactionId, reason, now), cancellationToken);

    /// <summary>The channel connected the agent (e.g. the agent's phone answered); accepts the open offer if needed.</summary>
    public Task<CommandResult> MarkConnectedAsync(string interactionId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.MarkConnected(interactionId, now), cancellationToken);

    /// <summary>The conversation ended: connected → wrap-up (queue/default wrap-up unless given); still waiting → abandoned.</summary>
    public Task<CommandResult> EndInteractionAsync(string interactionId, TimeSpan? wrapUp = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.EndInteraction(interactionId, wrapUp, now), cancellationToken);

    /// <summary>The customer left (hung up, went offline) from any live state.</summary>
    public Task<CommandResult> AbandonInteractionAsync(string interactionId, string? reason = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.AbandonInteraction(interactionId, reason, now), cancellationToken);

    /// <summary>The channel could not carry the interaction (e.g. the call-back could not be dialled).</summary>
    public Task<CommandResult> FailInteractionAsync(string interactionId, string? reason = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.FailInteraction(interactionId, reason, now), cancellationToken);

    /// <summary>The agent finished after-call work for one interaction, or for all when <paramref name="interactionId"/> is null.</summary>
    public Task<CommandResult> WrapUpDoneAsync(string agentId, string? interactionId = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.WrapUpDone(agentId, interactionId, now), cancellationToken);

    /// <summary>A console session or phone registration (<paramref name="device"/>, any name) went away; the agent is logged off after the grace period.</summary>
    public Task<CommandResult> DeviceLostAsync(string agentId, string device, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.DeviceLost(agentId, device, now), cancellationToken);

    public Task<CommandResult> DeviceRestoredAsync(string agentId, string device, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.DeviceRestored(agentId, device, now), cancellationToken);

    /// <summary>Moves a live interaction to another queue (console "transfer"): it keeps its place in time there.</summary>
    public Task<CommandResult> TransferAsync(string interactionId, string queueId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.Transfer(interactionId, queueId, now), cancellationToken);

    /// <summary>The agent holding an interaction names its product (history "by product"); see <see cref="ContactCenterState.SetProduct"/>.</summary>
    public Task<CommandResult> SetProductAsync(string agentId, string interactionId, string product, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.SetProduct(agentId, interactionId, product, now), cancellationToken);

    /// <summary>
    /// The agent connected to a voice call puts it on hold (<paramref name="hold"/>) or resumes it; see
    /// <see cref="ContactCenterState.SetHold"/>. The voice adapter follows <see cref="InteractionHoldChanged"/>.
    /// </summary>
    public Task<CommandResult> SetHoldAsync(string agentId, string interactionId, bool hold, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.SetHold(agentId, interactionId, hold, now), cancellationToken);

    /// <summary>
    /// Warm transfer, first step: the agent connected to a voice call reserves <paramref name="targetAgentId"/> (ready,
    /// with a free voice slot) to hand it over; see <see cref="ContactCenterState.Consult"/>. The voice adapter follows
    /// <see cref="InteractionConsultChanged"/> (caller on hold, the target's phone rung, the agents bridged).
    /// </summary>
    public Task<CommandResult> ConsultAsync(string fromAgentId, string interactionId, string targetAgentId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.Consult(fromAgentId, interactionId, targetAgentId, now), cancellationToken);

    /// <summary>Hands the consulted interaction to the target; the first agent goes to wrap-up.</summary>
    public Task<CommandResult> CompleteTransferAsync(string agentId, string interactionId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.CompleteTransfer(agentId, interactionId, now), cancellationToken);

    /// <summary>Ends a consult without hand-over (<paramref name="agentId"/> null: the channel ends it, e.g. no answer).</summary>
    public Task<CommandResult> CancelConsultAsync(string? agentId, string interactionId, string? reason = null, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.CancelConsult(agentId, interactionId, reason, now), cancellationToken);

    /// <summary>Blind transfer to an agent: a consult completed at once (console "transfer" with an agent target).</summary>
    public Task<CommandResult> TransferToAgentAsync(string fromAgentId, string interactionId, string targetAgentId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.TransferToAgent(fromAgentId, interactionId, targetAgentId, now), cancellationToken);

    /// <summary>Changes a waiting interaction's priority (e.g. re-prioritising a call-back already handed to the core).</summary>
    public Task<CommandResult> ReprioritiseAsync(string interactionId, int priority, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.Reprioritise(interactionId, priority, now), cancellationToken);

    /// <summary>Adds an agent (offline until it sets ready) or replaces its definition; refused with the problems if invalid.</summary>
    public Task<CommandResult> UpsertAgentAsync(AgentDefinition definition, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.UpsertAgent(definition, now), cancellationToken);

    /// <summary>Many <see cref="UpsertAgentAsync"/> as one command (the stored agents at start); one result per definition, in order.</summary>
    public Task<IReadOnlyList<CommandResult>> UpsertAgentsAsync(IReadOnlyList<AgentDefinition> definitions, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.UpsertAgents(definitions, now), cancellationToken);

    /// <summary>Removes an idle agent; refused (InvalidState, naming the interactions) while it holds an offer or a connected one.</summary>
    public Task<CommandResult> RemoveAgentAsync(string agentId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.RemoveAgent(agentId, now), cancellationToken);

    /// <summary>Replaces an existing queue's definition; queued interactions are placed again so the next offer follows it.</summary>
    public Task<CommandResult> UpsertQueueAsync(QueueDefinition definition, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.UpsertQueue(definition, now), cancellationToken);

    /// <summary>Opens a new queue; channels may submit to it once this completes.</summary>
    public Task<CommandResult> AddQueueAsync(QueueDefinition definition, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.AddQueue(definition, now), cancellationToken);

    /// <summary>Removes a queue holding no live interaction that no queue overflows into (else InvalidState naming why).</summary>
    public Task<CommandResult> RemoveQueueAsync(string queueId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.RemoveQueue(queueId, now), cancellationToken);

    /// <summary>The agents' and queues' definitions the core routes on now.</summary>
    public Task<(IReadOnlyList<AgentDefinition> Agents, IReadOnlyList<QueueDefinition> Queues)> GetDefinitionsAsync(
        CancellationToken cancellationToken = default) =>
        Send((s, _) => (s.AgentDefinitions, s.QueueDefinitions), cancellationToken);

    /// <summary>
    /// A channel saw a customer's presence change (e.g. XMPP presence of a known customer): emits
    /// <see cref="ClientPresenceChanged"/> when state or preferred contact differ from the last known ones (unknown =
    /// offline); the MQTT gateway publishes it retained on <c>ccgw/clients/{customerId}/presence</c>. Does not affect routing.
    /// </summary>
    public Task<CommandResult> SetClientPresenceAsync(string customerId, ClientPresenceState state, Repositories.PreferredContact? preferredContact = null,
        CancellationToken cancellationToken = default) =>
        Send((s, now) => s.SetClientPresence(customerId, state, preferredContact, now), cancellationToken);

    /// <summary>A live interaction with its current position and estimated wait; null once it ended.</summary>
    public Task<InteractionStatus?> GetInteractionAsync(string interactionId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.GetInteraction(interactionId, now), cancellationToken);

    /// <summary>
    /// Where an interaction not yet submitted would stand if it entered now (position and estimated wait as
    /// <see cref="GetInteractionAsync"/> would give them once it did), from its queue, channel, own priority and order
    /// time (a call-back's virtual start), counting <paramref name="enteringAhead"/> more ahead that the caller knows will
    /// enter first; null for an unknown queue. For the first answer to a customer whose request reaches the core a moment
    /// later (a call-back's receipt), so that answer comes from the order the core offers in.
    /// </summary>
    public Task<EntryPlace?> GetEntryPlaceAsync(string queueId, InteractionChannel channel, int priority, DateTimeOffset orderTime,
        int enteringAhead = 0, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.GetEntryPlace(queueId, channel, priority, orderTime, enteringAhead, now), cancellationToken);

    /// <summary>
    /// The queue's queued interactions in the order the core will offer them, each with its position and estimated wait
    /// (the same figures <see cref="GetInteractionAsync"/> gives one); null for an unknown queue. For channel adapters that
    /// tell customers their place as the queue moves, and for status pages.
    /// </summary>
    public Task<IReadOnlyList<WaitingPosition>?> GetQueuePositionsAsync(string queueId, CancellationToken cancellationToken = default) =>
        Send((s, now) => s.GetQueuePositions(queueId, now), cancellationToken);

    /// <summary>The snapshot after every command queued before this call was applied (a read barrier).</summary>
    public Task<CenterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken = default) =>
        Send((s, now) =>
        {
            s.AdvanceTo(now);
            return s.Snapshot;
        }, cancellationToken);

    private Task<T> Send<T>(Func<ContactCenterState, DateTimeOffset, T> apply, CancellationToken cancellationToken)
    {
        var command = new EngineCommand<T>(apply, cancellationToken);
        if (!_commands.Writer.TryWrite(command))
            command.Cancel();
        return command.Task;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Publish()
    {
        var events = _state.PendingEvents;
        if (events.Count > 0)
        {
            _hub.Publish(events);
            events.Clear();
        }

        Volatile.Write(ref _snapshot, _state.Snapshot);
    }
}
