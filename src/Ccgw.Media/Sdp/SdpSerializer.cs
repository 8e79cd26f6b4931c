using System.Globalization;
using System.Text;

namespace Ccgw.Media.Sdp;

/// <summary>Writes SDP in the field order RFC 4566 §5 requires, CRLF line ends.</summary>
internal static class SdpSerializer
{
    public static string Serialize(SessionDescription sdp)
    {
        var b = new StringBuilder(256);
        Line(b, "v=0");
        var o = sdp.Origin;
        Line(b, string.Create(CultureInfo.InvariantCulture, $"o={o.UserName} {o.SessionId} {o.SessionVersion} IN {o.AddressType} {o.Address}"));
        Line(b, "s=" + (sdp.SessionName.Length == 0 ? "-" : sdp.SessionName));
        if (sdp.Connection is { } c) Line(b, $"c=IN {c.AddressType} {c.Address}");
        Line(b, "t=" + sdp.Timing);
        foreach (var a in sdp.Attributes) Attribute(b, a);
        foreach (var m in sdp.Media)
        {
            var port = m.PortCount is { } n ? string.Create(CultureInfo.InvariantCulture, $"{m.Port}/{n}") : m.Port.ToString(CultureInfo.InvariantCulture);
            Line(b, $"m={m.Media} {port} {m.Protocol} {string.Join(' ', m.Formats)}");
            if (m.Connection is { } mc) Line(b, $"c=IN {mc.AddressType} {mc.Address}");
            foreach (var bw in m.Bandwidths) Line(b, "b=" + bw);
            foreach (var a in m.Attributes) Attribute(b, a);
        }
        return b.ToString();
    }

    private static void Attribute(StringBuilder b, SdpAttribute a) => Line(b, a.Value is null ? "a=" + a.Name : $"a={a.Name}:{a.Value}");

    private static void Line(StringBuilder b, string line) => b.Append(line).Append("\r\n");
}
