using Ccgw.Core.Flows;

namespace Ccgw.Configuration;

/// <summary>
/// Checks the <c>Im</c> section's own settings: each <c>Im:Texts</c> name is one of the gateway's texts and each
/// template uses only its values; the bot's waits and the conversation limit are in range.
/// </summary>
public static class ImTextRules
{
    public static void Check(GatewayOptions o, ConfigProblems problems)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var (name, template) in o.Im.Texts)
            if (GatewayTexts.Check(name, template) is { } problem)
                problems.Error($"Im:Texts:{name}", problem);
        InRange(problems, "Im:MinimumInputSeconds", o.Im.MinimumInputSeconds, 5, 3_600);
        InRange(problems, "Im:CallbackNumberSeconds", o.Im.CallbackNumberSeconds, 10, 3_600);
        InRange(problems, "Im:CapabilityProbeSeconds", o.Im.CapabilityProbeSeconds, 1, 60);
        InRange(problems, "Im:MaxConversations", o.Im.MaxConversations, 1, 1_000_000);
        // Below 5 s a busy queue would turn into a stream of messages; 0 switches updates off.
        if (o.Im.QueueUpdateSeconds is not 0 and (< 5 or > 3_600))
            problems.Error("Im:QueueUpdateSeconds", $"{o.Im.QueueUpdateSeconds} is out of range; use 0 (only on entry) or 5-3600");
        InRange(problems, "Im:QueueUpdateWaitChangeSeconds", o.Im.QueueUpdateWaitChangeSeconds, 1, 3_600);
    }

    private static void InRange(ConfigProblems problems, string key, int value, int low, int high)
    {
        if (value < low || value > high)
            problems.Error(key, $"{value} is out of range; use {low}-{high}");
    }
}
