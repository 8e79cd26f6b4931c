using System.Globalization;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Dialogs;

/// <summary>Which side of a dialog refreshes the session (RFC 4028 §4, the <c>refresher</c> parameter).</summary>
public enum SessionRefresher
{
    /// <summary>The UAC of the INVITE that set up the session (for a trunk call: the caller).</summary>
    Uac,

    /// <summary>The UAS of that INVITE (for a trunk call: the gateway).</summary>
    Uas,
}

/// <summary>What a UAS agreed for a session (RFC 4028 §9): the interval and who refreshes it.</summary>
public sealed record SessionTimerAgreement(int IntervalSeconds, SessionRefresher Refresher)
{
    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);

    /// <summary>
    /// When the side that does not refresh gives up (§10): the interval minus min(32 s, a third of it), so a refresh
    /// sent at half the interval has had time for its transaction to end.
    /// </summary>
    public TimeSpan ExpiresAfter => Interval - TimeSpan.FromSeconds(Math.Min(32, IntervalSeconds / 3.0));

    /// <summary>When the refresher sends its refresh (§7.4, §10: half the interval is the recommended point).</summary>
    public TimeSpan RefreshAfter => Interval / 2;

    /// <summary>The Session-Expires value the 2xx carries.</summary>
    public string HeaderValue => IntervalSeconds.ToString(CultureInfo.InvariantCulture) + ";refresher=" + (Refresher == SessionRefresher.Uac ? "uac" : "uas");
}

/// <summary>The UAS's session timer policy: the longest interval it grants and the shortest it accepts (Min-SE, at least 90 s).</summary>
public sealed record SessionTimerPolicy(int MaxIntervalSeconds = 1800, int MinIntervalSeconds = SessionTimer.AbsoluteMinimum);

/// <summary>The UAS's verdict on a request's session timer (RFC 4028 §9).</summary>
public readonly record struct SessionTimerVerdict(SessionTimerAgreement? Agreement, int? TooBriefMinSe)
{
    /// <summary>The request asked for nothing the UAS must honour: no session timer.</summary>
    public static SessionTimerVerdict None => default;

    /// <summary>True: answer 422 with <c>Min-SE: TooBriefMinSe</c> (§9, the interval is below our minimum).</summary>
    public bool Reject => TooBriefMinSe is not null;
}

/// <summary>
/// RFC 4028 session timers, the UAS half (§9) and the header values both halves write. Pure: the voice path decides
/// how a refresh is sent and what happens when one is missed.
/// </summary>
public static class SessionTimer
{
    /// <summary>RFC 4028 §4: Min-SE is never below 90 seconds.</summary>
    public const int AbsoluteMinimum = 90;

    public const string SessionExpiresHeader = "Session-Expires";
    public const string MinSeHeader = "Min-SE";
    public const string OptionTag = "timer";

    /// <summary>Parses <c>delta-seconds *(;se-params)</c> (§4); false when the value is not a number of seconds.</summary>
    public static bool TryParseSessionExpires(string? value, out int seconds, out SessionRefresher? refresher)
    {
        seconds = 0;
        refresher = null;
        if (value is null) return false;
        var span = value.AsSpan();
        var semicolon = span.IndexOf(';');
        var delta = (semicolon < 0 ? span : span[..semicolon]).Trim();
        if (!int.TryParse(delta, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds <= 0) return false;
        var rest = semicolon < 0 ? ReadOnlySpan<char>.Empty : span[(semicolon + 1)..];
        while (!rest.IsEmpty)
        {
            var next = rest.IndexOf(';');
            var param = (next < 0 ? rest : rest[..next]).Trim();
            rest = next < 0 ? ReadOnlySpan<char>.Empty : rest[(next + 1)..];
            var eq = param.IndexOf('=');
            if (eq < 0 || !param[..eq].Trim().Equals("refresher", StringComparison.OrdinalIgnoreCase)) continue;
            var who = param[(eq + 1)..].Trim();
            if (who.Equals("uac", StringComparison.OrdinalIgnoreCase)) refresher = SessionRefresher.Uac;
            else if (who.Equals("uas", StringComparison.OrdinalIgnoreCase)) refresher = SessionRefresher.Uas;
        }
        return true;
    }

    /// <summary>The request's Min-SE (§5), or <see cref="AbsoluteMinimum"/> when absent or unreadable.</summary>
    public static int MinSeOf(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Headers.Get(MinSeHeader);
        if (value is null) return AbsoluteMinimum;
        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        var delta = (semicolon < 0 ? value.AsSpan() : value.AsSpan(0, semicolon)).Trim();
        return int.TryParse(delta, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s >= AbsoluteMinimum ? s : AbsoluteMinimum;
    }

    /// <summary>Whether the request lists <c>timer</c> in Supported or Require: its sender can refresh (§7.1).</summary>
    public static bool SenderSupportsTimer(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var name in (ReadOnlySpan<string>)[SipHeaderNames.Supported, SipHeaderNames.Require])
            foreach (var tag in request.Headers.GetTokens(name))
                if (tag.Equals(OptionTag, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// The UAS's answer to an INVITE or UPDATE (§9), a first one or a refresh. Without Session-Expires there is no
    /// session timer (the UAS may not start one the UAC did not ask for; §9 lets it, but a UAC that did not say
    /// Supported: timer could not refresh, and our in-dialog probe covers that case). An interval below our minimum
    /// is refused with 422 naming our minimum (§9); otherwise the interval is the request's, lowered to our maximum
    /// but never below the request's Min-SE (§9: "MUST NOT set it to a duration lower than the value in the Min-SE").
    /// The refresher is the request's if it names one; else the UAC when it supports the extension (it knows
    /// best whether it is still there), else us, because a UAC without the extension cannot refresh (§9).
    /// </summary>
    public static SessionTimerVerdict Negotiate(SipRequest request, SessionTimerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.MaxIntervalSeconds <= 0) return SessionTimerVerdict.None;
        if (!TryParseSessionExpires(request.Headers.Get(SessionExpiresHeader), out var asked, out var refresher))
            return SessionTimerVerdict.None;
        var minimum = Math.Max(policy.MinIntervalSeconds, AbsoluteMinimum);
        if (asked < minimum) return new SessionTimerVerdict(null, minimum);
        var floor = Math.Max(MinSeOf(request), minimum);
        var interval = Math.Max(Math.Min(asked, policy.MaxIntervalSeconds), Math.Min(floor, asked));
        var supports = SenderSupportsTimer(request);
        var who = refresher switch
        {
            SessionRefresher.Uac when supports => SessionRefresher.Uac,
            SessionRefresher.Uas => SessionRefresher.Uas,
            _ => supports ? SessionRefresher.Uac : SessionRefresher.Uas,
        };
        return new SessionTimerVerdict(new SessionTimerAgreement(interval, who), null);
    }

    /// <summary>Adds the §9 headers to a 2xx: Session-Expires, and Require: timer when the UAC refreshes.</summary>
    public static void Decorate(SipResponse response, SessionTimerAgreement agreement)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(agreement);
        response.Headers.RemoveAll(SessionExpiresHeader);
        response.Headers.Add(SessionExpiresHeader, agreement.HeaderValue);
        if (agreement.Refresher == SessionRefresher.Uac) response.Headers.Add(SipHeaderNames.Require, OptionTag);
    }
}
