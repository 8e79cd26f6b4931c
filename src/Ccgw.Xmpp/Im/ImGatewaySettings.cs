using Ccgw.Core.Flows;

namespace Ccgw.Xmpp.Im;

/// <summary>A queue address (<c>sales@domain</c>): the queue it leads to and the name shown in texts.</summary>
public sealed record ImQueueAddress(string LocalPart, string QueueId, string DisplayName);

/// <summary>
/// How the IM gateway is set up. <see cref="Domain"/> is the domain of the gateway's own addresses (the XMPP domain
/// with the built-in server; the component's domain in component mode); <see cref="AgentDomain"/> is the domain of the
/// agents' accounts (<c>bob@AgentDomain</c>), which is the site's XMPP domain in both modes.
/// </summary>
public sealed record ImGatewaySettings
{
    public required string Domain { get; init; }

    public required string AgentDomain { get; init; }

    /// <summary>Local part of the general address that asks first (runs <see cref="SupportFlow"/>).</summary>
    public required string SupportLocalPart { get; init; }

    public required FlowDefinition SupportFlow { get; init; }

    /// <summary>
    /// The support flow's id in <see cref="Catalog"/>: when set, each new conversation starts in the catalogue's flow of
    /// that id as it is then (flows change at run time, issue 20), and <see cref="SupportFlow"/> only stands in while the
    /// catalogue lacks it.
    /// </summary>
    public string? SupportFlowId { get; init; }

    /// <summary>Prompt texts (a prompt renders as its text over IM).</summary>
    public required FlowCatalog Catalog { get; init; }

    /// <summary>The gateway's own sentences (<c>Im:Texts</c>); English unless the site configures its own.</summary>
    public GatewayTexts Texts { get; init; } = GatewayTexts.English;

    /// <summary>Queue addresses by local part: writing to one skips the menu and queues directly.</summary>
    public IReadOnlyList<ImQueueAddress> Queues { get; init; } = [];

    /// <summary>How long the first contact waits for the client's XEP-0030/XEP-0092 answers before the dialogue starts anyway.</summary>
    public TimeSpan CapabilityProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time a menu waits for a typed answer. Flows are written for keypads (a few seconds); people typing
    /// in a chat need longer, so the step's timeout is raised to this.
    /// </summary>
    public TimeSpan MinimumInputTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the gateway waits for a phone number once the flow's call-back step asked for it.</summary>
    public TimeSpan CallbackNumberTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// How often the bot looks at a waiting customer's place and wait, and so the most often it tells them again
    /// (<c>Im:QueueUpdateSeconds</c>); zero: only on entry.
    /// </summary>
    public TimeSpan QueueUpdateEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How far the estimated wait must move, either way, to be worth telling (<c>Im:QueueUpdateWaitChangeSeconds</c>); a better place always is.</summary>
    public TimeSpan QueueUpdateWaitChange { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Conversations held at once; a new customer beyond it gets a resource-constraint error.</summary>
    public int MaxConversations { get; init; } = 10_000;

    /// <summary>Customer messages kept (and shown to the agent with the offer) before an agent joins.</summary>
    public int MaxContextMessages { get; init; } = 20;

    /// <summary>Transcript lines kept per chat; later lines are counted, not stored.</summary>
    public int MaxTranscriptLines { get; init; } = 2_000;

    /// <summary>Longest message body relayed or kept, in characters; longer bodies are cut.</summary>
    public int MaxBodyLength { get; init; } = 8_192;
}
