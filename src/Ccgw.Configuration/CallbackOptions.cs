using Ccgw.Core.Callbacks;

namespace Ccgw.Configuration;

/// <summary><c>Queues[].Callbacks</c>: how a queue's call-backs are booked and dialled.</summary>
public sealed class CallbackOptions
{
    public const string ModeAgentFirst = "agentFirst";
    public const string ModeCustomerFirst = "customerFirst";

    /// <summary><c>agentFirst</c> (offer to an agent, ring the agent, then the customer) or <c>customerFirst</c>.</summary>
    public string Mode { get; set; } = ModeAgentFirst;

    /// <summary>Length of a booking slot in minutes; with <see cref="MaxPerSlot"/> it caps call-backs per slot (0: no cap).</summary>
    public int SlotMinutes { get; set; }

    /// <summary>Most call-backs scheduled in one slot (0: no cap).</summary>
    public int MaxPerSlot { get; set; }

    /// <summary>How many days ahead a customer may book a call-back.</summary>
    public int WindowDays { get; set; } = 7;

    /// <summary>Dial attempts before a call-back is given up as failed (busy, no answer, failure).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before the second attempt; doubled for each further one (at most 8×).</summary>
    public int RetryBackoffSeconds { get; set; } = 120;

    /// <summary>Id of the trunk (with an <c>Outbound</c> peer) this queue's call-backs are dialled through; empty: the first such trunk.</summary>
    public string? Trunk { get; set; }
}

/// <summary>Checks <c>Queues[].Callbacks</c> and maps it to the core's protocol-neutral <see cref="CallbackPolicies"/>.</summary>
public static class CallbackRules
{
    internal static void Check(GatewayOptions o, ConfigProblems problems)
    {
        for (var i = 0; i < o.Queues.Count; i++)
        {
            var c = o.Queues[i].Callbacks;
            var key = $"Queues:{i}:Callbacks";
            if (ParseMode(c.Mode) is null)
                problems.Error($"{key}:Mode", $"'{c.Mode}' is not a call-back mode; use \"{CallbackOptions.ModeAgentFirst}\" or \"{CallbackOptions.ModeCustomerFirst}\"");
            if (c.SlotMinutes is < 0 or > 1440)
                problems.Error($"{key}:SlotMinutes", $"{c.SlotMinutes} is out of range; use 0 (no slots) or 1-1440 minutes");
            if (c.MaxPerSlot < 0)
                problems.Error($"{key}:MaxPerSlot", $"{c.MaxPerSlot} is negative; use 0 (no cap) or the most call-backs per slot");
            if ((c.SlotMinutes > 0) != (c.MaxPerSlot > 0))
                problems.Error($"{key}:{(c.SlotMinutes > 0 ? "MaxPerSlot" : "SlotMinutes")}", "set SlotMinutes and MaxPerSlot together to cap call-backs per slot, or neither");
            if (c.WindowDays is < 0 or > 365)
                problems.Error($"{key}:WindowDays", $"{c.WindowDays} is out of range; use 0 (only \"now\") to 365 days");
            if (c.MaxAttempts is < 1 or > 20)
                problems.Error($"{key}:MaxAttempts", $"{c.MaxAttempts} is out of range; use 1-20 dial attempts");
            if (c.RetryBackoffSeconds is < 1 or > 86_400)
                problems.Error($"{key}:RetryBackoffSeconds", $"{c.RetryBackoffSeconds} is out of range; use 1-86400 seconds");
            if (!string.IsNullOrEmpty(c.Trunk))
            {
                var dialling = o.Trunks.Where(t => t.Outbound is not null).Select(t => t.Id).ToList();
                if (o.Trunks.All(t => t.Id != c.Trunk))
                    problems.Error($"{key}:Trunk", $"trunk '{c.Trunk}' is not defined; use one of: {Known(dialling)}");
                else if (!dialling.Contains(c.Trunk, StringComparer.Ordinal))
                    problems.Error($"{key}:Trunk", $"trunk '{c.Trunk}' has no Outbound peer to dial through; give it Trunks[].Outbound or use one of: {Known(dialling)}");
            }
        }
    }

    public static CallbackPolicies From(GatewayOptions o) => new(o.Queues.Select(q => new CallbackQueuePolicy(
        q.Id,
        q.Name ?? q.Id,
        ParseMode(q.Callbacks.Mode) ?? CallbackDialMode.AgentFirst,
        q.Callbacks.SlotMinutes > 0 ? TimeSpan.FromMinutes(q.Callbacks.SlotMinutes) : null,
        q.Callbacks.MaxPerSlot > 0 ? q.Callbacks.MaxPerSlot : null,
        TimeSpan.FromDays(q.Callbacks.WindowDays),
        q.Callbacks.MaxAttempts,
        TimeSpan.FromSeconds(q.Callbacks.RetryBackoffSeconds))
    {
        DialOut = DialOutRules.ForQueue(o, q),
    }));

    private static string Known(IReadOnlyCollection<string> trunks) => trunks.Count == 0 ? "(no trunk has an Outbound peer)" : string.Join(", ", trunks);

    private static CallbackDialMode? ParseMode(string? mode) => mode switch
    {
        CallbackOptions.ModeAgentFirst => CallbackDialMode.AgentFirst,
        CallbackOptions.ModeCustomerFirst => CallbackDialMode.CustomerFirst,
        _ => null,
    };
}
