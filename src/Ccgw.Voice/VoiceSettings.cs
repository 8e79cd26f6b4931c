using System.Net;
using Ccgw.Core.Callbacks;
using Ccgw.Sip.Transport;

namespace Ccgw.Voice;

/// <summary>
/// A trunk as the voice path needs it: which flow each dialled number enters, where call-backs go out (the PBX as
/// configured, a name resolved per call) and the number they show.
/// </summary>
public sealed record VoiceTrunk(string Id, IReadOnlyDictionary<string, string> Dids, SipPeer? Outbound, string? CallerId = null);

/// <summary>Everything the voice gateway is configured with; the daemon maps it from GatewayOptions.</summary>
public sealed record VoiceSettings
{
    /// <summary>The SIP domain: host part of every From/To/Request-URI the gateway writes towards agents.</summary>
    public required string Domain { get; init; }

    /// <summary>The address SDP <c>o=</c>/<c>c=</c> lines advertise (the RTP listener's).</summary>
    public required IPAddress MediaAddress { get; init; }

    public IReadOnlyList<VoiceTrunk> Trunks { get; init; } = [];

    /// <summary>How often a queued caller hears position and estimated wait again (zero: only on entry).</summary>
    public TimeSpan AnnounceEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Prompt looped while a caller waits; null plays silence between announcements.</summary>
    public string? MusicOnHoldPrompt { get; init; }

    public string? PositionPrompt { get; init; } = "position";

    public string? WaitPrompt { get; init; } = "wait";

    public string? MinutesPrompt { get; init; } = "minutes";

    public string? UnderAMinutePrompt { get; init; } = "less-than-a-minute";

    /// <summary>Directory of spoken numbers (<c>0.wav</c>..<c>20.wav</c>, <c>30.wav</c>..<c>90.wav</c>) for announcements; null: numbers are not spoken.</summary>
    public string? NumbersDirectory { get; init; }

    /// <summary>How long an agent's phone may ring before the gateway gives up (the core's offer timeout normally ends it first).</summary>
    public TimeSpan AgentRingTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Ring time for a call-back's customer leg before it counts as no answer.</summary>
    public TimeSpan CustomerRingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Each queue's call-back dial mode (agent-first or customer-first).</summary>
    public CallbackPolicies CallbackPolicies { get; init; } = new([]);

    /// <summary>Queue id → the trunk its call-backs go out through (<c>Queues[].Callbacks.Trunk</c>); other queues use the first trunk with an outbound peer.</summary>
    public IReadOnlyDictionary<string, string> CallbackTrunks { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Played to a call-back customer on answer (customer-first), before music on hold; null: straight to music.</summary>
    public string? CallbackGreetingPrompt { get; init; } = "callback-greeting";

    /// <summary>Played to the agent while the customer's phone rings (agent-first); null: silence.</summary>
    public string? CallbackAgentPrompt { get; init; } = "callback-agent";
}
