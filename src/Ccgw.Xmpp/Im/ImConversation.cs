using Ccgw.Core;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Im;

/// <summary>Where a customer's chat stands. Transitions are checked by <see cref="ImConversation.MoveTo"/>.</summary>
public enum ImConversationState
{
    /// <summary>First contact: the gateway asked the client's XEP-0030 disco#info and XEP-0092 version and waits for the answers (bounded).</summary>
    Greeting,

    /// <summary>The bot runs the flow as text: prompts out, typed digits or words in (or a phone number for a call-back step).</summary>
    InFlow,

    /// <summary>Handed to routing: waiting for an agent, possibly offered to one (the offer is open until accepted or closed).</summary>
    Queued,

    /// <summary>An agent accepted: messages and XEP-0085 chat states are relayed both ways with address translation.</summary>
    Connected,

    /// <summary>Over (either side left, the flow hung up, a call-back was booked, or the core ended the interaction).</summary>
    Ended,
}

/// <summary>What the customer is being asked for outside the flow's own steps.</summary>
internal enum PendingCallback
{
    None,

    /// <summary>The flow's call-back step: the run continues once a number is booked.</summary>
    FromFlow,

    /// <summary>Offered while waiting in the queue (nobody was available): a number books it, anything else keeps waiting.</summary>
    WhileQueued,
}

/// <summary>
/// One customer's chat with the gateway: an explicit state machine (<see cref="ImConversationState"/>):
/// <code>
/// Greeting ──probes answered / timeout──▶ InFlow ──flow: queue──▶ Queued ──offer accepted──▶ Connected
///    │ (queue address: straight to Queued)  │ flow: hang up / call-back booked │ call-back booked / left   │ either side leaves,
///    └───────────────────────────────────────┴──────────────────────────────────┴──────────────────────────┴─▶ Ended (core ended it)
/// </code>
/// A console transfer takes a connected chat back to Queued (same addresses, the next agent gets a new offer).
/// RFC 6121 §5.1: once a side writes from a full JID, replies go to that full JID ("locking"); XEP-0085 §5.1 chat states
/// pass through while connected; <c>gone</c> ends the chat (XEP-0085 §5.4: the user has left the conversation).
/// Not thread-safe: the gateway serialises every change of one conversation through <see cref="Gate"/>.
/// </summary>
internal sealed class ImConversation
{
    private static readonly ImConversationState[][] Allowed =
    [
        /* Greeting  */ [ImConversationState.InFlow, ImConversationState.Queued, ImConversationState.Ended],
        /* InFlow    */ [ImConversationState.Queued, ImConversationState.Ended],
        /* Queued    */ [ImConversationState.Connected, ImConversationState.InFlow, ImConversationState.Ended],
        /* Connected */ [ImConversationState.Queued, ImConversationState.Ended],
        /* Ended     */ [],
    ];

    private readonly List<TranscriptLine> _transcript = [];
    private readonly int _maxTranscript;

    public ImConversation(string id, Jid customer, Jid gatewayAddress, Jid conversationAddress, ImQueueAddress? queueAddress,
        DateTimeOffset startedAt, int maxTranscript)
    {
        Id = id;
        Customer = customer;
        GatewayAddress = gatewayAddress;
        ConversationAddress = conversationAddress;
        QueueAddress = queueAddress;
        StartedAt = startedAt;
        _maxTranscript = maxTranscript;
    }

    /// <summary>Opaque id: the routing core's channel key and the local part of the conversation address.</summary>
    public string Id { get; }

    /// <summary>The customer's full JID (locked to the resource that wrote last).</summary>
    public Jid Customer { get; set; }

    /// <summary>The address the customer wrote to (support@ or a queue address): the only address the customer ever sees.</summary>
    public Jid GatewayAddress { get; }

    /// <summary><c>chat-&lt;id&gt;@domain</c>: the only address the agent ever sees.</summary>
    public Jid ConversationAddress { get; }

    /// <summary>Set when the customer wrote to a queue address (no menu).</summary>
    public ImQueueAddress? QueueAddress { get; }

    public DateTimeOffset StartedAt { get; }

    public ImConversationState State { get; private set; } = ImConversationState.Greeting;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public FlowRun? Flow { get; set; }

    /// <summary>Messages that arrived while greeting; handled once the dialogue starts.</summary>
    public List<string> Pending { get; } = [];

    public bool VersionAnswered { get; set; }

    public bool DiscoAnswered { get; set; }

    public HashSet<string> Capabilities { get; } = new(StringComparer.Ordinal);

    /// <summary>The client's XEP-0092 answer, when it gave one: travels on the interaction to routing and the agent's offer.</summary>
    public ClientSoftware? Client { get; set; }

    /// <summary>The client announced XEP-0004 data forms (disco feature <c>jabber:x:data</c>).</summary>
    public bool SupportsForms { get; set; }

    public PendingCallback Callback { get; set; }

    public string? CallbackQueue { get; set; }

    public int CallbackAttempts { get; set; }

    /// <summary>The flow's call-back step prompts, rendered once the call-back is booked.</summary>
    public IReadOnlyList<string> CallbackPrompts { get; set; } = [];

    public string? CustomerId { get; set; }

    public string? CustomerName { get; set; }

    public string? KnownPhone { get; set; }

    public string? QueueId { get; set; }

    public string? InteractionId { get; set; }

    /// <summary>The agent the interaction is offered to or connected with.</summary>
    public string? AgentId { get; set; }

    /// <summary>The agent's full JID once the agent wrote from one (RFC 6121 §5.1 locking); else the bare JID.</summary>
    public Jid? Agent { get; set; }

    public bool OfferOpen { get; set; }

    /// <summary>
    /// The customer's presence as last sent to the agent from the conversation address (Unavailable: none shown, or
    /// unavailable sent). Changes are sent only when they differ from it.
    /// </summary>
    public Server.XmppPresenceShow PresenceShown { get; set; }

    /// <summary>The place and wait last told to the customer while queued; updates are measured against it.</summary>
    public QueuePlace Told { get; set; }

    /// <summary>What the customer wrote before an agent joined (shown to the agent with the offer).</summary>
    public List<string> Context { get; } = [];

    /// <summary>Timer generation: a fired timer whose generation is stale is ignored.</summary>
    public int TimerGeneration { get; set; }

    public ITimer? Timer { get; set; }

    public IReadOnlyList<TranscriptLine> Transcript => _transcript;

    public int DroppedTranscriptLines { get; private set; }

    public bool IsEnded => State == ImConversationState.Ended;

    /// <summary>Moves to <paramref name="next"/>; throws on a transition the state machine does not have.</summary>
    public void MoveTo(ImConversationState next)
    {
        if (!Allowed[(int)State].Contains(next))
            throw new InvalidOperationException($"IM conversation {Id}: no transition {State} → {next}");
        State = next;
    }

    public void Record(DateTimeOffset at, TranscriptSender sender, string body)
    {
        if (_transcript.Count >= _maxTranscript)
        {
            DroppedTranscriptLines++;
            return;
        }
        _transcript.Add(new TranscriptLine("", _transcript.Count + 1, at, sender, sender == TranscriptSender.Agent ? AgentId : null, body));
    }
}
