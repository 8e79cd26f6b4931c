namespace Ccgw.Configuration;

/// <summary>SIP settings beyond the listeners (docs/sip.md).</summary>
public sealed class SipOptions
{
    /// <summary>
    /// Digest algorithms offered in challenges, in this order (RFC 8760). Some phones (baresip 1.0, older libre-based
    /// clients) give up on a challenge set that contains an algorithm they do not know; offer only MD5 to them.
    /// Empty (the default) offers MD5 and SHA-256. (Empty rather than pre-filled, because configuration binding
    /// appends to a list: an override such as <c>CCGW__Sip__DigestAlgorithms__0=MD5</c> must replace the default.)
    /// </summary>
    public List<string> DigestAlgorithms { get; set; } = [];

    public IReadOnlyList<string> EffectiveDigestAlgorithms => DigestAlgorithms.Count == 0 ? SipRules.Known : DigestAlgorithms;
}

internal static class SipRules
{
    public static readonly string[] Known = ["MD5", "SHA-256"];

    public static void Check(SipOptions o, ConfigProblems problems)
    {
        for (var i = 0; i < o.DigestAlgorithms.Count; i++)
            if (!Known.Contains(o.DigestAlgorithms[i], StringComparer.OrdinalIgnoreCase))
                problems.Error($"Sip:DigestAlgorithms:{i}", $"'{o.DigestAlgorithms[i]}' is not a digest algorithm; use MD5 or SHA-256");
    }
}
