namespace Ccgw.Core;

/// <summary>
/// A customer interaction handed to the core by a channel adapter. Only <see cref="Channel"/> and <see cref="QueueId"/>
/// are required; the rest travels with offers and events so adapters and consoles need no second lookup.
/// </summary>
public sealed record InteractionRequest
{
    public required InteractionChannel Channel { get; init; }

    public required string QueueId { get; init; }

    /// <summary>Id chosen by the caller (e.g. a stored call-back id); the core makes one when null.</summary>
    public string? Id { get; init; }

    /// <summary>Added to the queue's priority; higher is served first.</summary>
    public int Priority { get; init; }

    public string? CustomerId { get; init; }

    /// <summary>Caller id (E.164) or IM address of the customer.</summary>
    public string? Address { get; init; }

    /// <summary>
    /// Features of the customer's client (e.g. XEP-0030 disco features, XEP-0092 <c>software:</c>/<c>os:</c> strings).
    /// Shown to agents; queues' <see cref="QueueDefinition.Compatibility"/> rules may route on them.
    /// </summary>
    public IReadOnlySet<string>? Capabilities { get; init; }

    /// <summary>The customer's client software (XEP-0092) when it answered; shown in offers and routed on by compatibility rules.</summary>
    public ClientSoftware? Client { get; init; }

    /// <summary>Capabilities the chosen agent must have (e.g. "video", "cobrowse"); routing only offers to agents having all of them.</summary>
    public IReadOnlySet<string>? RequiredAgentCapabilities { get; init; }

    public string? PageUrl { get; init; }

    /// <summary>What the customer is asking about: set by the flow (a step's <c>Product</c>), or by the agent (console <c>setProduct</c>).</summary>
    public string? Product { get; init; }

    /// <summary>What the flow's collect steps gathered (e.g. an account number), by variable name; shown to the agent with the offer.</summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }

    public string? Topic { get; init; }

    /// <summary>The medium the customer chose for a help request (issue 18), shown to the agent in the offer; null for live calls and chats.</summary>
    public HelpMedium? Medium { get; init; }

    /// <summary>
    /// When the customer first asked for help. A call-back is ordered by this time, so it keeps the place its
    /// customer had: it neither jumps ahead of live callers nor loses its turn. Null means "now".
    /// </summary>
    public DateTimeOffset? OriginalStartedAt { get; init; }

    /// <summary>Opaque key of the adapter (dialog id, conversation JID...) echoed in every event about this interaction.</summary>
    public string? ChannelKey { get; init; }
}
