using Ccgw.Core;
using Ccgw.Core.Routing;
using Ccgw.Testing;

namespace Ccgw.Core.Tests;

/// <summary>Builds definitions tersely and drives the pure state machine with a manual clock.</summary>
internal sealed class TestCentre
{
    public TestCentre(IEnumerable<AgentDefinition> agents, IEnumerable<QueueDefinition> queues, RoutingOptions? options = null)
    {
        Definition = new ContactCenterDefinition([.. agents], [.. queues], options ?? new RoutingOptions());
        State = new ContactCenterState(Definition, Time.GetUtcNow(), "t");
    }

    public ManualTimeProvider Time { get; } = new();

    public ContactCenterDefinition Definition { get; }

    public ContactCenterState State { get; }

    public List<CoreEvent> Log { get; } = [];

    public DateTimeOffset Now => Time.GetUtcNow();

    public static AgentDefinition Agent(string id, string skills = "sales:5", int voice = 1, int im = 1, int callback = 1, string? caps = null, bool voiceExclusive = true) =>
        new(id, id.ToUpperInvariant(), Skills(skills), new ChannelCapacity(voice, im, callback),
            caps is null ? null : new HashSet<string>(caps.Split(','), StringComparer.Ordinal), new BlendingRules(voiceExclusive));

    public static QueueDefinition Queue(string id, string skills = "sales:1", int priority = 0, OverflowRule? overflow = null,
        IReadOnlyList<WideningStep>? widening = null, TimeSpan? wrapUp = null, ServiceLevelTarget? sl = null) =>
        new(id, Skills(skills), priority, sl, overflow, widening, wrapUp);

    public static Dictionary<string, int> Skills(string spec) =>
        spec.Length == 0 ? [] : spec.Split(',').Select(p => p.Split(':')).ToDictionary(p => p[0], p => int.Parse(p[1]), StringComparer.Ordinal);

    public static InteractionRequest Call(string queue, InteractionChannel channel = InteractionChannel.Voice, int priority = 0,
        DateTimeOffset? originalStart = null, string? requires = null) => new()
        {
            Channel = channel,
            QueueId = queue,
            Priority = priority,
            OriginalStartedAt = originalStart,
            RequiredAgentCapabilities = requires is null ? null : new HashSet<string>(requires.Split(','), StringComparer.Ordinal),
        };

    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        State.AdvanceTo(Now);
        Drain();
    }

    public void AdvanceSeconds(double seconds) => Advance(TimeSpan.FromSeconds(seconds));

    public SubmitResult Submit(InteractionRequest request)
    {
        var r = State.Submit(request, Now);
        Drain();
        return r;
    }

    public CommandResult Ready(string agent) => Do(s => s.SetAgentState(agent, AgentStateRequest.Ready, null, Now));

    public CommandResult NotReady(string agent, string reason = "break") => Do(s => s.SetAgentState(agent, AgentStateRequest.NotReady, reason, Now));

    public CommandResult Offline(string agent) => Do(s => s.SetAgentState(agent, AgentStateRequest.Offline, null, Now));

    public CommandResult Accept(string agent, string interaction) => Do(s => s.AcceptOffer(agent, interaction, Now));

    public CommandResult Reject(string agent, string interaction) => Do(s => s.RejectOffer(agent, interaction, null, Now));

    public CommandResult End(string interaction, TimeSpan? wrapUp = null) => Do(s => s.EndInteraction(interaction, wrapUp, Now));

    public CommandResult Abandon(string interaction) => Do(s => s.AbandonInteraction(interaction, null, Now));

    public CommandResult Hold(string agent, string interaction, bool hold = true) => Do(s => s.SetHold(agent, interaction, hold, Now));

    public CommandResult Transfer(string interaction, string queue) => Do(s => s.Transfer(interaction, queue, Now));

    public CommandResult Consult(string from, string interaction, string target) => Do(s => s.Consult(from, interaction, target, Now));

    public CommandResult CompleteTransfer(string agent, string interaction) => Do(s => s.CompleteTransfer(agent, interaction, Now));

    public CommandResult CancelConsult(string? agent, string interaction, string? reason = null) => Do(s => s.CancelConsult(agent, interaction, reason, Now));

    public CommandResult TransferToAgent(string from, string interaction, string target) => Do(s => s.TransferToAgent(from, interaction, target, Now));

    public CommandResult WrapUpDone(string agent) => Do(s => s.WrapUpDone(agent, null, Now));

    public CommandResult DeviceLost(string agent, string device = "phone") => Do(s => s.DeviceLost(agent, device, Now));

    public CommandResult DeviceRestored(string agent, string device = "phone") => Do(s => s.DeviceRestored(agent, device, Now));

    public AgentPresence Presence(string agent) => State.Snapshot.Agents[agent];

    public QueueStats Stats(string queue) => State.Snapshot.Queues[queue];

    public InteractionStatus? Interaction(string id) => State.GetInteraction(id, Now);

    /// <summary>The agent holding the interaction's open offer, or null.</summary>
    public string? OfferedTo(string interaction)
    {
        string? agent = null;
        foreach (var e in Log)
        {
            switch (e)
            {
                case OfferMade m when m.Offer.InteractionId == interaction:
                    agent = m.Offer.AgentId;
                    break;
                case OfferClosed c when c.Offer.InteractionId == interaction:
                    agent = null;
                    break;
            }
        }

        return agent;
    }

    public IEnumerable<OfferMade> Offers => Log.OfType<OfferMade>();

    public void AssertConsistent() => Assert.Empty(State.Verify());

    private CommandResult Do(Func<ContactCenterState, CommandResult> command)
    {
        var r = command(State);
        Drain();
        return r;
    }

    private void Drain()
    {
        Log.AddRange(State.PendingEvents);
        State.PendingEvents.Clear();
    }
}
