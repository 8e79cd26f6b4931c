namespace Ccgw.Configuration;

/// <summary>The voice path: what queued callers hear and how long agents' phones ring (docs/voice.md).</summary>
public sealed class VoiceOptions
{
    /// <summary>Position and estimated wait are announced on entry and then every this many seconds (0: only on entry).</summary>
    public int AnnounceEverySeconds { get; set; } = 30;

    /// <summary>Prompt id looped while a caller waits; empty for silence.</summary>
    public string? MusicOnHold { get; set; }

    /// <summary>Prompt ids of the announcement's fixed parts; a missing prompt leaves its part out.</summary>
    public string PositionPrompt { get; set; } = "position";
    public string WaitPrompt { get; set; } = "wait";
    public string MinutesPrompt { get; set; } = "minutes";
    public string UnderAMinutePrompt { get; set; } = "less-than-a-minute";

    /// <summary>Directory (under Prompts:Directory) of spoken numbers 0.wav..20.wav, 30.wav..90.wav.</summary>
    public string NumbersDirectory { get; set; } = "numbers";

    /// <summary>Longest an agent's phone rings; the routing offer timeout normally ends it sooner.</summary>
    public int AgentRingSeconds { get; set; } = 60;

    /// <summary>Longest a call-back customer's phone rings before it counts as no answer.</summary>
    public int CustomerRingSeconds { get; set; } = 30;

    /// <summary>Longest a trunk call lasts from answer; then both legs get BYE (0: no limit).</summary>
    public int MaxCallSeconds { get; set; } = 14400;

    /// <summary>RTP silence from a leg that should be sending after which the call ends, both legs BYEd (0: off).</summary>
    public int RtpTimeoutSeconds { get; set; } = 60;

    /// <summary>RFC 4028: the longest session interval granted to a trunk call that asks for a session timer (0: session timers not used).</summary>
    public int SessionExpiresSeconds { get; set; } = 1800;

    /// <summary>RFC 4028: the shortest session interval accepted (Min-SE); shorter ones get 422. At least 90.</summary>
    public int MinSessionExpiresSeconds { get; set; } = 90;

    /// <summary>In-dialog OPTIONS to a caller without session timers every this many seconds; 481/408/no answer ends the call (0: off).</summary>
    public int DialogProbeSeconds { get; set; }

    /// <summary>
    /// RTP pacing: slots per 20 ms frame (1, 2 or 4). Each outgoing stream is sent in one slot, so one tick sends a
    /// quarter of the packets with 4 and the last one leaves sooner after its schedule (docs/media.md, Scheduler design).
    /// 1 by default: on the loaded benchmark box 4 slots paced worse (four times the wake-ups, each waiting for the core).
    /// </summary>
    public int PacingSubSlots { get; set; } = 1;

    /// <summary>
    /// RTP pacing clock: "timerfd" (a dedicated thread on a Linux timerfd; elsewhere the timer below) or "timer" (the
    /// thread-pool timer, the former pacing).
    /// </summary>
    public string PacingClock { get; set; } = "timerfd";

    /// <summary>Nice value of the timerfd pacing thread alone (-20 to 0; 0: unchanged). Below 0 needs CAP_SYS_NICE.</summary>
    public int PacingNice { get; set; }

    /// <summary>Prompt id a customer-first call-back's customer hears on answer; empty: none.</summary>
    public string CallbackGreetingPrompt { get; set; } = "callback-greeting";

    /// <summary>Prompt id the agent of an agent-first call-back hears while the customer's phone rings; empty: none.</summary>
    public string CallbackAgentPrompt { get; set; } = "callback-agent";
}

internal static class VoiceRules
{
    public static void Check(GatewayOptions o, ConfigProblems problems)
    {
        var v = o.Voice;
        if (v.AnnounceEverySeconds is < 0 or > 3600)
            problems.Error("Voice:AnnounceEverySeconds", $"{v.AnnounceEverySeconds} is out of range; use 0 (only on entry) to 3600");
        if (v.AgentRingSeconds is < 5 or > 300)
            problems.Error("Voice:AgentRingSeconds", $"{v.AgentRingSeconds} is out of range; use 5-300");
        if (v.CustomerRingSeconds is < 5 or > 300)
            problems.Error("Voice:CustomerRingSeconds", $"{v.CustomerRingSeconds} is out of range; use 5-300");
        if (v.MaxCallSeconds != 0 && v.MaxCallSeconds is < 60 or > 86400)
            problems.Error("Voice:MaxCallSeconds", $"{v.MaxCallSeconds} is out of range; use 0 (no limit) or 60-86400");
        if (v.RtpTimeoutSeconds != 0 && v.RtpTimeoutSeconds is < 5 or > 3600)
            problems.Error("Voice:RtpTimeoutSeconds", $"{v.RtpTimeoutSeconds} is out of range; use 0 (off) or 5-3600");
        if (v.MinSessionExpiresSeconds is < 90 or > 86400)
            problems.Error("Voice:MinSessionExpiresSeconds", $"{v.MinSessionExpiresSeconds} is out of range; use 90-86400 (RFC 4028 §4: never below 90)");
        if (v.SessionExpiresSeconds != 0 && (v.SessionExpiresSeconds > 86400 || v.SessionExpiresSeconds < v.MinSessionExpiresSeconds))
            problems.Error("Voice:SessionExpiresSeconds", $"{v.SessionExpiresSeconds} is out of range; use 0 (off) or Voice:MinSessionExpiresSeconds ({v.MinSessionExpiresSeconds}) to 86400");
        if (v.PacingSubSlots is not (1 or 2 or 4))
            problems.Error("Voice:PacingSubSlots", $"{v.PacingSubSlots} is not usable; use 1, 2 or 4 (slots of 20, 10 or 5 ms per 20 ms frame)");
        if (v.PacingClock is not ("timerfd" or "timer"))
            problems.Error("Voice:PacingClock", $"'{v.PacingClock}' is not a pacing clock; use timerfd (a dedicated thread on a Linux timerfd) or timer (the thread-pool timer)");
        if (v.PacingNice is < -20 or > 0)
            problems.Error("Voice:PacingNice", $"{v.PacingNice} is out of range; use -20 (highest) to 0 (the process's priority)");
        if (v.DialogProbeSeconds is < 0 or > 3600)
            problems.Error("Voice:DialogProbeSeconds", $"{v.DialogProbeSeconds} is out of range; use 0 (off) or 1-3600");
        foreach (var (key, id) in new[] { ("Voice:CallbackGreetingPrompt", v.CallbackGreetingPrompt), ("Voice:CallbackAgentPrompt", v.CallbackAgentPrompt) })
            if (!string.IsNullOrEmpty(id) && o.Prompts.Items.Count > 0 && !o.Prompts.Items.ContainsKey(id))
                problems.Warning(key, $"prompt '{id}' is not defined under Prompts:Items; call-backs go without it");
        if (!string.IsNullOrEmpty(v.MusicOnHold) && !o.Prompts.Items.ContainsKey(v.MusicOnHold))
            problems.Error("Voice:MusicOnHold", $"prompt '{v.MusicOnHold}' is not defined under Prompts:Items; use one of: {PeopleAndQueueRules.Known(o.Prompts.Items.Keys)}");
    }
}
