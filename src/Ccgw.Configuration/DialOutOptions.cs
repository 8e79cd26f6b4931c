using System.Collections.Frozen;
using Ccgw.Core.Callbacks.DialOut;

namespace Ccgw.Configuration;

/// <summary>
/// <c>DialOut</c> (every trunk's default) and <c>Trunks[].DialOut</c> (a trunk's own, replacing the default as a
/// whole): where call-backs may ring and how many (docs/configuration.md, docs/voice.md).
/// </summary>
public sealed class DialOutOptions
{
    /// <summary>E.164 prefixes (<c>+44</c>) or SIP domains (<c>example.com</c>, <c>*.example.com</c>); empty: anything not denied.</summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Same patterns; a match refuses the call-back whatever <see cref="Allow"/> says.</summary>
    public List<string> Deny { get; set; } = [];

    /// <summary>Call-backs accepted for one number in any 24 hours (0: no cap).</summary>
    public int MaxPerNumberPerDay { get; set; } = DialOutPolicy.DefaultMaxPerNumberPerDay;

    /// <summary>Call-backs accepted from one source (web client address, IM address) in any 24 hours (0: no cap).</summary>
    public int MaxPerSourcePerDay { get; set; }

    /// <summary>Call-backs the trunk dials or carries at once (0: no cap).</summary>
    public int MaxConcurrentCalls { get; set; }

    /// <summary>Longest a call-back may last once the customer answered, in seconds (0: no limit).</summary>
    public int MaxCallSeconds { get; set; }

    /// <summary>Queue id → new call-backs per day for that topic.</summary>
    public Dictionary<string, int> TopicDailyBudget { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Checks <c>DialOut</c> and <c>Trunks[].DialOut</c>, every error naming its key; maps them to the core's <see cref="DialOutPolicy"/>.</summary>
public static class DialOutRules
{
    public const int MaxPatterns = 1000;

    internal static void Check(GatewayOptions o, ConfigProblems problems)
    {
        Check(o.DialOut, "DialOut", o, problems);
        for (var i = 0; i < o.Trunks.Count; i++)
            if (o.Trunks[i].DialOut is { } own) Check(own, $"Trunks:{i}:DialOut", o, problems);
    }

    private static void Check(DialOutOptions d, string key, GatewayOptions o, ConfigProblems problems)
    {
        CheckPatterns(d.Allow, $"{key}:Allow", problems);
        CheckPatterns(d.Deny, $"{key}:Deny", problems);
        if (d.MaxPerNumberPerDay is < 0 or > 100_000)
            problems.Error($"{key}:MaxPerNumberPerDay", $"{d.MaxPerNumberPerDay} is out of range; use 0 (no cap) or 1-100000 call-backs per number per day");
        if (d.MaxPerSourcePerDay is < 0 or > 1_000_000)
            problems.Error($"{key}:MaxPerSourcePerDay", $"{d.MaxPerSourcePerDay} is out of range; use 0 (no cap) or 1-1000000 call-backs per source per day");
        if (d.MaxConcurrentCalls is < 0 or > 10_000)
            problems.Error($"{key}:MaxConcurrentCalls", $"{d.MaxConcurrentCalls} is out of range; use 0 (no cap) or 1-10000 calls at once");
        if (d.MaxCallSeconds is < 0 or > 86_400)
            problems.Error($"{key}:MaxCallSeconds", $"{d.MaxCallSeconds} is out of range; use 0 (no limit) or 1-86400 seconds");
        foreach (var (queue, budget) in d.TopicDailyBudget)
        {
            if (o.Queues.All(q => q.Id != queue))
                problems.Error($"{key}:TopicDailyBudget:{queue}", $"topic '{queue}' is not a queue; use one of: {PeopleAndQueueRules.Known(o.Queues.Select(q => q.Id))}");
            if (budget is < 0 or > 1_000_000)
                problems.Error($"{key}:TopicDailyBudget:{queue}", $"{budget} is out of range; use 0 (no call-backs) to 1000000 new call-backs per day");
        }
    }

    private static void CheckPatterns(List<string> patterns, string key, ConfigProblems problems)
    {
        if (patterns.Count > MaxPatterns)
            problems.Error(key, $"{patterns.Count} patterns; at most {MaxPatterns}");
        for (var i = 0; i < patterns.Count; i++)
            if (!DialOutPolicy.IsNumberPattern(patterns[i]) && !DialOutPolicy.IsDomainPattern(patterns[i]))
                problems.Error($"{key}:{i}", $"'{patterns[i]}' is neither an E.164 prefix ('+' and digits, e.g. +44 or +1900) nor a SIP domain (example.com or *.example.com)");
    }

    /// <summary>The trunk's policy: its own <c>DialOut</c> section, else the top-level default.</summary>
    public static DialOutPolicy For(GatewayOptions o, TrunkOptions trunk)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(trunk);
        var d = trunk.DialOut ?? o.DialOut;
        return new DialOutPolicy
        {
            TrunkId = trunk.Id,
            Allow = [.. d.Allow],
            Deny = [.. d.Deny],
            MaxPerNumberPerDay = d.MaxPerNumberPerDay > 0 ? d.MaxPerNumberPerDay : null,
            MaxPerSourcePerDay = d.MaxPerSourcePerDay > 0 ? d.MaxPerSourcePerDay : null,
            MaxConcurrentCalls = d.MaxConcurrentCalls > 0 ? d.MaxConcurrentCalls : null,
            MaxCallLength = d.MaxCallSeconds > 0 ? TimeSpan.FromSeconds(d.MaxCallSeconds) : null,
            TopicDailyBudget = d.TopicDailyBudget.ToFrozenDictionary(StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The policy of the trunk a queue's call-backs go out through (<c>Queues[].Callbacks.Trunk</c>, else the first trunk
    /// with an Outbound peer, as the voice path picks it); <see cref="DialOutPolicy.Open"/> when no trunk can dial.
    /// </summary>
    public static DialOutPolicy ForQueue(GatewayOptions o, QueueOptions queue)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(queue);
        var trunk = (!string.IsNullOrEmpty(queue.Callbacks.Trunk) ? o.Trunks.FirstOrDefault(t => t.Id == queue.Callbacks.Trunk && t.Outbound is not null) : null)
            ?? o.Trunks.FirstOrDefault(t => t.Outbound is not null);
        return trunk is null ? DialOutPolicy.Open : For(o, trunk);
    }
}
