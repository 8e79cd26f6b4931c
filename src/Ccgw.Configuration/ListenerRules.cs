using System.Net;

namespace Ccgw.Configuration;

/// <summary>Listen addresses: parseable, valid ports, and no two listeners of the same transport on one socket.</summary>
internal static class ListenerRules
{
    private enum Transport { Tcp, Udp }

    public const int MaxConnectionsCeiling = 12_000;

    private sealed record Bound(string Key, Transport Transport, IPAddress Address, int PortMin, int PortMax);

    public static void Check(ListenersOptions listeners, HttpOptions http, ConfigContext context, ConfigProblems problems)
    {
        var bound = new List<Bound>();
        void Single(string name, ListenerOptions l, Transport transport)
        {
            var key = $"Listeners:{name}";
            if (!l.Enabled) return;
            var address = ParseAddress($"{key}:Address", l.Address, problems);
            if (!IsPort(l.Port))
            {
                problems.Error($"{key}:Port", $"{l.Port} is not a port; use 1-65535");
                return;
            }
            if (address is not null) bound.Add(new Bound(key, transport, address, l.Port, l.Port));
        }

        Single("Http", listeners.Http, Transport.Tcp);
        Single("Https", listeners.Https, Transport.Tcp);
        Single("SipUdp", listeners.SipUdp, Transport.Udp);
        Single("SipTcp", listeners.SipTcp, Transport.Tcp);
        Single("SipTls", listeners.SipTls, Transport.Tcp);
        Single("Xmpp", listeners.Xmpp, Transport.Tcp);
        Single("Mqtt", listeners.Mqtt, Transport.Tcp);

        CheckCertificate("Listeners:SipTls", listeners.SipTls, context, problems,
            required: listeners.SipTls.Enabled);
        // Kestrel cannot generate a certificate for a web listener: TLS there needs a file, as for SIP TLS.
        CheckCertificate("Listeners:Https", listeners.Https, context, problems,
            required: listeners.Https.Enabled);
        CheckSurfaces(http, context, problems, bound);
        CheckCertificate("Listeners:Xmpp", listeners.Xmpp, context, problems, required: false);
        CheckCertificate("Listeners:Mqtt", listeners.Mqtt, context, problems, required: false);

        // Five TCP listeners at their maximum must stay under systemd's LimitNOFILE=65536 with room for RTP and storage.
        if (listeners.MaxConnections is < 1 or > MaxConnectionsCeiling)
            problems.Error("Listeners:MaxConnections", $"{listeners.MaxConnections} is out of range; use 1-{MaxConnectionsCeiling} connections per listener");
        else if (listeners.MaxConnectionsPerAddress < 1 || listeners.MaxConnectionsPerAddress > listeners.MaxConnections)
            problems.Error("Listeners:MaxConnectionsPerAddress", $"{listeners.MaxConnectionsPerAddress} is out of range; use 1 to Listeners:MaxConnections ({listeners.MaxConnections})");

        var rtp = listeners.Rtp;
        var rtpAddress = ParseAddress("Listeners:Rtp:Address", rtp.Address, problems);
        var rangeOk = true;
        if (!IsPort(rtp.PortMin) || rtp.PortMin < 1024)
        {
            problems.Error("Listeners:Rtp:PortMin", $"{rtp.PortMin} is not usable; use an even port from 1024 to 65534");
            rangeOk = false;
        }
        else if (rtp.PortMin % 2 != 0)
        {
            problems.Error("Listeners:Rtp:PortMin", $"{rtp.PortMin} is odd; RTP uses even ports (RTCP the next odd one), so start the range on an even port");
            rangeOk = false;
        }
        if (!IsPort(rtp.PortMax))
        {
            problems.Error("Listeners:Rtp:PortMax", $"{rtp.PortMax} is not a port; use 1-65535");
            rangeOk = false;
        }
        else if (rangeOk && rtp.PortMax < rtp.PortMin + 1)
        {
            problems.Error("Listeners:Rtp:PortMax", $"{rtp.PortMax} leaves no RTP/RTCP pair after PortMin {rtp.PortMin}; make PortMax at least PortMin + 1");
            rangeOk = false;
        }
        if (rangeOk && rtpAddress is not null)
            bound.Add(new Bound("Listeners:Rtp", Transport.Udp, rtpAddress, rtp.PortMin, rtp.PortMax));

        for (var i = 0; i < bound.Count; i++)
        for (var j = i + 1; j < bound.Count; j++)
        {
            var a = bound[i];
            var b = bound[j];
            if (a.Transport != b.Transport || !AddressesOverlap(a.Address, b.Address)) continue;
            if (a.PortMax < b.PortMin || b.PortMax < a.PortMin) continue;
            problems.Error(b.Key + (b.PortMin == b.PortMax ? ":Port" : ":PortMin"),
                $"{b.Address}:{Describe(b)} overlaps {a.Key} ({a.Address}:{Describe(a)}) on {a.Transport.ToString().ToUpperInvariant()}; give one of them another port or address");
        }
    }

    /// <summary>
    /// The web surfaces given their own <c>Listen</c>: each a valid socket; surfaces on the same address and port share
    /// one listener (so they must agree on its certificate) and count once in the overlap check.
    /// </summary>
    private static void CheckSurfaces(HttpOptions http, ConfigContext context, ConfigProblems problems, List<Bound> bound)
    {
        var shared = new Dictionary<(IPAddress, int), (string Key, string? Certificate)>();
        foreach (var (name, surface) in new[] { ("Admin", http.Admin), ("Metrics", http.Metrics), ("MqttWebSocket", http.MqttWebSocket) })
        {
            if (surface.Listen is not { Enabled: true } listen) continue;
            var key = $"Http:{name}:Listen";
            var address = ParseAddress($"{key}:Address", listen.Address, problems);
            if (!IsPort(listen.Port))
            {
                problems.Error($"{key}:Port", $"{listen.Port} is not a port; use 1-65535");
                continue;
            }
            CheckCertificate(key, listen, context, problems, required: false);
            if (address is null) continue;
            var certificate = string.IsNullOrWhiteSpace(listen.Certificate) ? null : listen.Certificate;
            if (shared.TryGetValue((address, listen.Port), out var first))
            {
                if (!string.Equals(first.Certificate, certificate, StringComparison.Ordinal))
                    problems.Error($"{key}:Certificate", $"{address}:{listen.Port} is also {first.Key}, which has {(first.Certificate is null ? "no certificate" : $"certificate '{first.Certificate}'")}; surfaces sharing a listener share its TLS setting");
                continue;
            }
            shared[(address, listen.Port)] = (key, certificate);
            bound.Add(new Bound(key, Transport.Tcp, address, listen.Port, listen.Port));
        }
    }

    private static string Describe(Bound b) => b.PortMin == b.PortMax ? $"{b.PortMin}" : $"{b.PortMin}-{b.PortMax}";

    private static void CheckCertificate(string key, TlsListenerOptions l, ConfigContext context, ConfigProblems problems, bool required)
    {
        if (string.IsNullOrWhiteSpace(l.Certificate))
        {
            if (required)
                problems.Error($"{key}:Certificate", "TLS is enabled but no certificate is configured; set a PEM or PFX file, or set Enabled to false");
            return;
        }
        context.RequireFile($"{key}:Certificate", l.Certificate, problems);
        if (!string.IsNullOrWhiteSpace(l.CertificateKey))
            context.RequireFile($"{key}:CertificateKey", l.CertificateKey, problems);
    }

    private static IPAddress? ParseAddress(string key, string? text, ConfigProblems problems)
    {
        if (IPAddress.TryParse(text, out var address)) return address;
        problems.Error(key, $"'{text}' is not an IP address; use for example 127.0.0.1, ::1 or 0.0.0.0");
        return null;
    }

    internal static bool IsPort(int port) => port is > 0 and <= 65535;

    private static bool AddressesOverlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || IsAny(a) || IsAny(b);

    private static bool IsAny(IPAddress a) => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any);
}
