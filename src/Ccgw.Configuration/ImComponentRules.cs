namespace Ccgw.Configuration;

/// <summary>Checks <c>Im:Component</c> (XEP-0114 component mode) when it is enabled.</summary>
public static class ImComponentRules
{
    public static void Check(GatewayOptions o, ConfigProblems problems)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(problems);
        var c = o.Im.Component;
        if (!c.Enabled) return;
        const string key = "Im:Component";
        if (string.IsNullOrWhiteSpace(c.Host))
            problems.Error($"{key}:Host", "component mode needs the XMPP server's host name or address");
        if (c.Port is < 1 or > 65535)
            problems.Error($"{key}:Port", $"{c.Port} is not a port; use 1-65535 (Prosody's component port is 5347)");
        if (!IsDomain(c.Domain))
            problems.Error($"{key}:Domain", $"'{c.Domain}' is not a domain; name the component's domain as declared on the server, e.g. help.{o.Site.XmppDomain}");
        else if (string.Equals(c.Domain, o.Site.XmppDomain, StringComparison.OrdinalIgnoreCase))
            problems.Error($"{key}:Domain", $"must differ from Site:XmppDomain ({o.Site.XmppDomain}), which the server itself serves; use e.g. help.{o.Site.XmppDomain}");
        if (string.IsNullOrEmpty(c.Secret))
            problems.Error($"{key}:Secret", "component mode needs the secret configured for this component on the server");
        if (c.ReconnectMinSeconds is < 1 or > 3600)
            problems.Error($"{key}:ReconnectMinSeconds", $"{c.ReconnectMinSeconds} is out of range; use 1-3600 seconds");
        if (c.ReconnectMaxSeconds is < 1 or > 3600 || c.ReconnectMaxSeconds < c.ReconnectMinSeconds)
            problems.Error($"{key}:ReconnectMaxSeconds", $"{c.ReconnectMaxSeconds} is out of range; use ReconnectMinSeconds ({c.ReconnectMinSeconds}) to 3600 seconds");
    }

    /// <summary>Letters, digits, '-' and '.', labels of 1-63 characters, at most 253 in all (no '@', '/', spaces).</summary>
    private static bool IsDomain(string? domain)
    {
        if (string.IsNullOrEmpty(domain) || domain.Length > 253) return false;
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var ch in label)
                if (!char.IsAsciiLetterOrDigit(ch) && ch != '-') return false;
        }
        return true;
    }
}
