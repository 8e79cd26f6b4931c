using System.Collections.Frozen;
using System.Diagnostics.Metrics;

namespace Ccgw.Core.Callbacks.DialOut;

/// <summary>
/// The rules a refusal names: in the intake's 4xx answer, the IM text, the log and <c>ccgw_dialout_refused_total{rule}</c>.
/// Fixed strings, so a dashboard or an alert can match them.
/// </summary>
public static class DialOutRule
{
    /// <summary>The destination matches the trunk's deny list (deny wins over allow).</summary>
    public const string Denied = "deny";

    /// <summary>The trunk has an allow list and the destination matches none of it.</summary>
    public const string NotAllowed = "allow";

    /// <summary>Too many call-backs asked for this number in the last 24 hours.</summary>
    public const string PerNumber = "maxPerNumberPerDay";

    /// <summary>Too many call-backs asked from this source (client address) in the last 24 hours.</summary>
    public const string PerSource = "maxPerSourcePerDay";

    /// <summary>The topic's call-backs of the last 24 hours used up its daily budget.</summary>
    public const string TopicBudget = "topicDailyBudget";

    /// <summary>The trunk already carries its maximum of outbound call-backs (checked before dialling).</summary>
    public const string Concurrent = "maxConcurrentCalls";
}

/// <summary>
/// A trunk's dial-out policy (Asterisk's and FreeSWITCH's dial-out rules, Kamailio's permissions): which destinations
/// call-backs may ring and how many. Patterns are E.164 prefixes (<c>+44</c>, <c>+1900</c>) or SIP domains
/// (<c>example.com</c>, or <c>*.example.com</c> for its subdomains) that a <c>sip:</c>/<c>sips:</c> destination's host
/// is compared with. <see cref="Deny"/> takes precedence over <see cref="Allow"/>; an empty allow list allows every
/// destination that is not denied. Counts are over any 24 hours (a rolling day, no time zone to agree on).
/// </summary>
public sealed record DialOutPolicy
{
    /// <summary>The default of <see cref="MaxPerNumberPerDay"/>: a customer rarely needs more; a harasser gets no more.</summary>
    public const int DefaultMaxPerNumberPerDay = 10;

    /// <summary>No rule at all: a queue whose call-backs have no trunk, and tests of other things.</summary>
    public static DialOutPolicy Open { get; } = new() { MaxPerNumberPerDay = null };

    public string TrunkId { get; init; } = "";

    public IReadOnlyList<string> Allow { get; init; } = [];

    public IReadOnlyList<string> Deny { get; init; } = [];

    /// <summary>Call-backs accepted for one destination in any 24 hours (merged repeats count too); null: no cap.</summary>
    public int? MaxPerNumberPerDay { get; init; } = DefaultMaxPerNumberPerDay;

    /// <summary>Call-backs accepted from one source (web client address, IM address) in any 24 hours; null: no cap.</summary>
    public int? MaxPerSourcePerDay { get; init; }

    /// <summary>Outbound call-backs the trunk carries at once (checked right before dialling); null: no cap.</summary>
    public int? MaxConcurrentCalls { get; init; }

    /// <summary>Longest a call-back lasts once the customer answered; the gateway hangs up then. Null: no limit.</summary>
    public TimeSpan? MaxCallLength { get; init; }

    /// <summary>New call-backs per topic (queue id) in any 24 hours; topics not listed have no budget.</summary>
    public IReadOnlyDictionary<string, int> TopicDailyBudget { get; init; } = FrozenDictionary<string, int>.Empty;

    /// <summary>The rule the destination breaks (<see cref="DialOutRule.Denied"/> or <see cref="DialOutRule.NotAllowed"/>), or null.</summary>
    public string? CheckDestination(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Deny.Any(p => Matches(p, address))) return DialOutRule.Denied;
        if (Allow.Count > 0 && !Allow.Any(p => Matches(p, address))) return DialOutRule.NotAllowed;
        return null;
    }

    /// <summary>The topic's daily budget, or null when it has none.</summary>
    public int? BudgetFor(string queueId) => TopicDailyBudget.TryGetValue(queueId, out var n) ? n : null;

    /// <summary>Whether <paramref name="pattern"/> is an E.164 prefix: '+' then digits only.</summary>
    public static bool IsNumberPattern(string pattern) =>
        pattern.Length >= 2 && pattern[0] == '+' && pattern.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>Whether <paramref name="pattern"/> is a SIP domain pattern: a host name, optionally led by <c>*.</c>.</summary>
    public static bool IsDomainPattern(string pattern)
    {
        var host = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern.AsSpan(2) : pattern.AsSpan();
        if (host.IsEmpty || host[0] == '.' || host[^1] == '.' || host.Contains("..", StringComparison.Ordinal)) return false;
        foreach (var c in host)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')) return false;
        return host.IndexOfAnyInRange('a', 'z') >= 0 || host.IndexOfAnyInRange('A', 'Z') >= 0 || host.Contains('.');
    }

    /// <summary>
    /// An E.164 pattern matches a destination number by prefix (a <c>sip:</c> URI's user part counts as its number when
    /// it is one, so <c>sip:+1900…@host</c> is no way around a deny); a domain pattern matches a SIP URI's host.
    /// </summary>
    internal static bool Matches(string pattern, string address)
    {
        if (IsNumberPattern(pattern))
            return Number(address) is { } number && number.StartsWith(pattern, StringComparison.Ordinal);
        if (Host(address) is not { } host) return false;
        return pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern.AsSpan(1), StringComparison.OrdinalIgnoreCase)
            : host.Equals(pattern, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The destination as "+digits": an E.164 number, or a SIP URI's user part that is one; else null.</summary>
    private static string? Number(string address)
    {
        var user = address.AsSpan();
        if (TrySipRest(address, out var rest))
        {
            var at = rest.IndexOf('@');
            if (at < 0) return null;
            user = rest[..at];
            var semi = user.IndexOf(';');
            if (semi >= 0) user = user[..semi];
        }
        // Visual separators would otherwise hide a denied prefix ("+1 900 …" from a configured IVR caller id).
        Span<char> digits = stackalloc char[Math.Min(user.Length, 64)];
        var n = 0;
        for (var i = 0; i < user.Length && n < digits.Length; i++)
        {
            var c = user[i];
            if (i == 0 && c == '+') continue;
            if (c is ' ' or '-' or '.' or '(' or ')') continue;
            if (!char.IsAsciiDigit(c)) return null;
            digits[n++] = c;
        }
        if (user.IsEmpty || user[0] != '+' || n == 0) return null;
        return string.Concat("+", digits[..n]);
    }

    private static bool TrySipRest(string address, out ReadOnlySpan<char> rest)
    {
        rest = address.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) ? address.AsSpan(4)
            : address.StartsWith("sips:", StringComparison.OrdinalIgnoreCase) ? address.AsSpan(5)
            : default;
        return address.StartsWith("sip", StringComparison.OrdinalIgnoreCase) && !rest.IsEmpty;
    }

    /// <summary>A SIP URI's host (no user, port or parameters); null for a number.</summary>
    private static string? Host(string address)
    {
        if (!TrySipRest(address, out var host)) return null;
        var at = host.LastIndexOf('@');
        if (at >= 0) host = host[(at + 1)..];
        var end = host.IndexOfAny(";?>");
        if (end >= 0) host = host[..end];
        if (host.StartsWith("[")) return null; // an IPv6 literal is no domain
        var colon = host.IndexOf(':');
        if (colon >= 0) host = host[..colon];
        return host.TrimEnd('.').ToString();
    }
}

/// <summary>Dial-out refusals as <c>ccgw_dialout_refused_total{rule}</c> (docs/observability.md), at intake and before dialling.</summary>
public sealed class DialOutMetrics
{
    private readonly Counter<long> _refused;

    public DialOutMetrics(IMeterFactory? meters)
    {
        var meter = meters?.Create("Ccgw.DialOut") ?? new Meter("Ccgw.DialOut");
        _refused = meter.CreateCounter<long>("ccgw.dialout.refused", "{refusal}",
            "Call-backs refused by a trunk's dial-out policy, at intake or right before dialling, by rule");
    }

    public void CountRefused(string rule) => _refused.Add(1, new KeyValuePair<string, object?>("rule", rule));
}
