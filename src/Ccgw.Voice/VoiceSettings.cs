using System.Net;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Transport;

namespace Ccgw.Voice;

/// <summary>
/// A trunk as the voice path needs it: which flow each dialled number enters, where call-backs go out (the PBX as
/// configured, a name resolved per call) and the number they show; who may call in through it (admission), how it is
/// watched (OPTIONS keep-alives) and whether the gateway registers with it.
/// </summary>
public sealed record VoiceTrunk(string Id, IReadOnlyDictionary<string, string> Dids, SipPeer? Outbound, string? CallerId = null)
{
    /// <summary>Source addresses (IP or CIDR) a call may come from; empty: any address (then digest decides).</summary>
    public IReadOnlyList<string> AllowFrom { get; init; } = [];

    /// <summary>Digest credentials a calling trunk must present; null: none asked.</summary>
    public TrunkCredentials? Credentials { get; init; }

    /// <summary>Seconds between OPTIONS keep-alives to <see cref="Outbound"/>; 0: not monitored.</summary>
    public int KeepaliveSeconds { get; init; }

    /// <summary>The gateway's own registration with the trunk's provider (RFC 3261 §10), if it asks for one.</summary>
    public TrunkRegistrationSettings? Register { get; init; }

    /// <summary>Where call-backs through this trunk may ring, how many at once and for how long (checked again right before dialling).</summary>
    public DialOutPolicy DialOut { get; init; } = DialOutPolicy.Open;
}

/// <summary>A user name and password for digest (RFC 3261 §22); never printed.</summary>
public sealed record TrunkCredentials(string Username, string Password)
{
    public override string ToString() => $"TrunkCredentials {{ Username = {Username} }}";
}

/// <summary>Where and as whom the gateway registers with a provider; <see cref="Registrar"/> is "ip[:port]".</summary>
public sealed record TrunkRegistrationSettings(string Registrar, TrunkCredentials Credentials, int ExpiresSeconds = 3600);

/// <summary>Everything the voice gateway is configured with; the daemon maps it from GatewayOptions.</summary>
public sealed record VoiceSettings
{
    /// <summary>The SIP domain: host part of every From/To/Request-URI the gateway writes towards agents.</summary>
    public required string Domain { get; init; }

    /// <summary>The address SDP <c>o=</c>/<c>c=</c> lines advertise (the RTP listener's).</summary>
    public required IPAddress MediaAddress { get; init; }

    /// <summary>The RTP port range (pairs from the first even port); <see cref="VoiceService"/> opens it at start.</summary>
    public int RtpPortMin { get; init; } = 20000;

    public int RtpPortMax { get; init; } = 20999;

    /// <summary>The trunks configured at start; <see cref="CurrentTrunks"/> is what runs now.</summary>
    public IReadOnlyList<VoiceTrunk> Trunks { get; init; } = [];

    /// <summary>The live trunk list provisioning and reload replace (issue 20); null: <see cref="Trunks"/> for the whole run.</summary>
    public Trunks.TrunkDirectory? TrunkDirectory { get; init; }

    /// <summary>The trunks now: the live list, else those configured at start.</summary>
    public IReadOnlyList<VoiceTrunk> CurrentTrunks => TrunkDirectory?.Trunks ?? Trunks;

    /// <summary>How often a queued caller hears position and estimated wait again (zero: only on entry).</summary>
    public TimeSpan AnnounceEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Prompt looped while a caller waits; null plays silence between announcements.</summary>
    public string? MusicOnHoldPrompt { get; init; }

    /// <summary>Queue id → the prompt looped while a caller waits in that queue (<c>Queues[].HoldPrompt</c>); other queues use <see cref="MusicOnHoldPrompt"/>.</summary>
    public IReadOnlyDictionary<string, string> HoldPrompts { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? PositionPrompt { get; init; } = "position";

    public string? WaitPrompt { get; init; } = "wait";

    public string? MinutesPrompt { get; init; } = "minutes";

    public string? UnderAMinutePrompt { get; init; } = "less-than-a-minute";

    /// <summary>Directory of spoken numbers (<c>0.wav</c>..<c>20.wav</c>, <c>30.wav</c>..<c>90.wav</c>) for announcements; null: numbers are not spoken.</summary>
    public string? NumbersDirectory { get; init; }

    /// <summary>How long an agent's phone may ring before the gateway gives up (the core's offer timeout normally ends it first).</summary>
    public TimeSpan AgentRingTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Agents[].Srtp by agent id: how the agent's INVITE offers SDES-SRTP (absent: off).</summary>
    public IReadOnlyDictionary<string, Ccgw.Media.Srtp.SrtpPolicy> AgentSrtp { get; init; } = new Dictionary<string, Ccgw.Media.Srtp.SrtpPolicy>(StringComparer.Ordinal);

    /// <summary>Longest a trunk call lasts from answer before the gateway hangs both legs up (<c>Voice:MaxCallSeconds</c>); zero: no limit.</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromHours(4);

    /// <summary>
    /// RTP silence from a leg that should be sending after which the call ends, both legs BYEd (<c>Voice:RtpTimeoutSeconds</c>,
    /// rtpengine's timeout, Asterisk's rtptimeout); zero: off. Held legs (sendonly/inactive towards us) are not timed.
    /// </summary>
    public TimeSpan RtpTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Slots per 20 ms frame for the RTP pacing scheduler (<c>Voice:PacingSubSlots</c>: 1, 2 or 4).</summary>
    public int PacingSubSlots { get; init; } = 1;

    /// <summary>Whether RTP pacing ticks come from a dedicated timerfd thread on Linux (<c>Voice:PacingClock</c> "timerfd") or the thread-pool timer ("timer").</summary>
    public bool PacingOnTimerFd { get; init; } = true;

    /// <summary>Nice value of the timerfd pacing thread (<c>Voice:PacingNice</c>, -20 to 0; 0: unchanged).</summary>
    public int PacingNice { get; init; }

    /// <summary>
    /// RFC 4028 session timers on trunk calls (<c>Voice:SessionExpiresSeconds</c>, <c>Voice:MinSessionExpiresSeconds</c>):
    /// the longest interval granted (0: not used) and the shortest accepted (else 422 with Min-SE).
    /// </summary>
    public SessionTimerPolicy SessionTimers { get; init; } = new();

    /// <summary>
    /// In-dialog OPTIONS to a caller that does not use session timers, this often (<c>Voice:DialogProbeSeconds</c>);
    /// 481, 408 or no answer ends the call. Zero: off.
    /// </summary>
    public TimeSpan DialogProbeInterval { get; init; }

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

    /// <summary>
    /// The trunk a queue's call-backs go out through: the queue's own (<see cref="CallbackTrunks"/>), else the first
    /// with an outbound peer; null when there is none.
    /// </summary>
    public VoiceTrunk? CallbackTrunkFor(string queueId) =>
        CallbackTrunks.TryGetValue(queueId, out var id) && CurrentTrunks.FirstOrDefault(t => t.Id == id && t.Outbound is not null) is { } own
            ? own
            : CurrentTrunks.FirstOrDefault(t => t.Outbound is not null);
}
