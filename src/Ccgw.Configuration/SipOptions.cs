using System.Net;

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

    /// <summary>
    /// DNS servers for SRV lookups of trunk peers without a port ("ip" or "ip:port", "[v6]:port"); empty (the default)
    /// uses the <c>nameserver</c> lines of /etc/resolv.conf. Empty rather than pre-filled for the same reason as above.
    /// </summary>
    public List<string> DnsServers { get; set; } = [];

    /// <summary>A <see cref="DnsServers"/> entry as an end point (port 53 unless given); false when it is neither "ip" nor "ip:port".</summary>
    public static bool TryParseDnsServer(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? server)
    {
        server = null;
        // IPEndPoint reads "ip", "ip:port", "v6", "[v6]" and "[v6]:port", and gives port 0 where none is written.
        if (string.IsNullOrWhiteSpace(text) || !IPEndPoint.TryParse(text, out var parsed)) return false;
        var ipv4 = parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var hasPort = ipv4 ? text.Contains(':', StringComparison.Ordinal) : text.Contains("]:", StringComparison.Ordinal);
        // Refuse the legacy IPv4 forms ("1", "127.1") that would turn a typo into an address, and an explicit port 0.
        if (ipv4 && text.Split(':')[0].Count(c => c == '.') != 3) return false;
        if (hasPort && parsed.Port == 0) return false;
        server = hasPort ? parsed : new IPEndPoint(parsed.Address, 53);
        return true;
    }

    /// <summary>Per-source request rate limit (Kamailio's pike), docs/sip.md.</summary>
    public SipPikeOptions Pike { get; set; } = new();

    /// <summary>The registrar's bindings: when a REGISTER's 200 OK is sent relative to storage (docs/sip.md, Registrar).</summary>
    public RegistrarBindingOptions Registrar { get; set; } = new();

    public IReadOnlyList<string> EffectiveDigestAlgorithms => DigestAlgorithms.Count == 0 ? SipRules.Known : DigestAlgorithms;
}

/// <summary>
/// More than <see cref="Requests"/> SIP requests from one address within <see cref="WindowSeconds"/> block it for
/// <see cref="BlockSeconds"/> (its requests are dropped unanswered). Trunks' <c>AllowFrom</c> addresses are exempt.
/// </summary>
public sealed class SipPikeOptions
{
    /// <summary>0 turns the limit off.</summary>
    public int Requests { get; set; } = 60;

    public int WindowSeconds { get; set; } = 2;

    public int BlockSeconds { get; set; } = 60;
}

/// <summary>
/// Bindings are served from memory and written to storage in groups, one transaction for the REGISTERs that arrive while
/// the previous group commits. <see cref="Durable"/> (the default) sends the 200 OK after its group is committed;
/// <see cref="WriteBehind"/> sends it right after the in-memory update (cheaper and faster; a crash loses at most the
/// group in flight, whose phones register again at their next refresh).
/// </summary>
public sealed class RegistrarBindingOptions
{
    public const string Durable = "durable";

    public const string WriteBehind = "write-behind";

    public string Persistence { get; set; } = Durable;
}

internal static class SipRules
{
    public static readonly string[] Known = ["MD5", "SHA-256"];

    public static void Check(SipOptions o, ConfigProblems problems)
    {
        for (var i = 0; i < o.DigestAlgorithms.Count; i++)
            if (!Known.Contains(o.DigestAlgorithms[i], StringComparer.OrdinalIgnoreCase))
                problems.Error($"Sip:DigestAlgorithms:{i}", $"'{o.DigestAlgorithms[i]}' is not a digest algorithm; use MD5 or SHA-256");
        if (o.Pike.Requests is < 0 or > 1_000_000)
            problems.Error("Sip:Pike:Requests", $"{o.Pike.Requests} is out of range; use 1-1000000 requests per window and source address, or 0 to turn the limit off");
        if (o.Pike.WindowSeconds is < 1 or > 3600)
            problems.Error("Sip:Pike:WindowSeconds", $"{o.Pike.WindowSeconds} is out of range; use 1-3600 seconds");
        if (o.Pike.BlockSeconds is < 1 or > 86_400)
            problems.Error("Sip:Pike:BlockSeconds", $"{o.Pike.BlockSeconds} is out of range; use 1-86400 seconds");
        if (!string.Equals(o.Registrar.Persistence, RegistrarBindingOptions.Durable, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(o.Registrar.Persistence, RegistrarBindingOptions.WriteBehind, StringComparison.OrdinalIgnoreCase))
            problems.Error("Sip:Registrar:Persistence", $"'{o.Registrar.Persistence}' is not a persistence mode; use durable (200 OK after the binding is committed) or write-behind (200 OK after the in-memory update)");
        for (var i = 0; i < o.DnsServers.Count; i++)
            if (!SipOptions.TryParseDnsServer(o.DnsServers[i], out _))
                problems.Error($"Sip:DnsServers:{i}", $"'{o.DnsServers[i]}' is not a DNS server; use an IP address, optionally with a port: 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53");
    }
}
