using System.Globalization;

namespace Ccgw.Media.Sdp;

/// <summary>
/// RFC 4566 parser. Tolerant where the RFC asks for tolerance (LF-only line ends, unknown attributes and
/// line types), strict about the lines negotiation depends on (v=, o=, m=, c=), which all raise
/// <see cref="SdpParseException"/> and nothing else.
/// </summary>
internal static class SdpParser
{
    private const int MaxLength = 64 * 1024;

    public static SessionDescription Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength) throw new SdpParseException($"SDP body of {text.Length} characters exceeds {MaxLength}.");
        var lines = text.Split('\n');
        SdpOrigin? origin = null;
        string sessionName = "-";
        SdpConnection? sessionConnection = null;
        string timing = "0 0";
        var sessionAttributes = new List<SdpAttribute>();
        var media = new List<MediaDescription>();
        MediaBuilder? current = null;
        var sawVersion = false;

        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.Length < 2 || line[1] != '=') throw new SdpParseException($"Malformed SDP line '{Truncate(line)}'.");
            var type = line[0];
            var value = line[2..];
            if (!sawVersion)
            {
                if (type != 'v' || value != "0") throw new SdpParseException("SDP must start with v=0.");
                sawVersion = true;
                continue;
            }
            switch (type)
            {
                case 'o' when current is null:
                    origin = ParseOrigin(value);
                    break;
                case 's' when current is null:
                    sessionName = value;
                    break;
                case 't' when current is null:
                    timing = value;
                    break;
                case 'c':
                    var connection = ParseConnection(value);
                    if (current is null) sessionConnection = connection;
                    else current.Connection = connection;
                    break;
                case 'b':
                    current?.Bandwidths.Add(value);
                    break;
                case 'a':
                    (current?.Attributes ?? sessionAttributes).Add(ParseAttribute(value));
                    break;
                case 'm':
                    if (current is not null) media.Add(current.Build());
                    current = ParseMediaLine(value);
                    break;
                default:
                    if (type is < 'a' or > 'z') throw new SdpParseException($"Invalid SDP line type '{type}'.");
                    break; // i=, u=, e=, p=, z=, k=, r= and unknown types are ignored (§5)
            }
        }
        if (!sawVersion) throw new SdpParseException("Empty SDP body.");
        if (origin is null) throw new SdpParseException("SDP has no o= line.");
        if (current is not null) media.Add(current.Build());
        return new SessionDescription
        {
            Origin = origin,
            SessionName = sessionName,
            Connection = sessionConnection,
            Timing = timing,
            Attributes = sessionAttributes,
            Media = media,
        };
    }

    private static SdpOrigin ParseOrigin(string value)
    {
        var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 6) throw new SdpParseException($"o= needs 6 fields: '{Truncate(value)}'.");
        if (!ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !ulong.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw new SdpParseException($"o= session id and version must be numeric: '{Truncate(value)}'.");
        if (f[3] != "IN") throw new SdpParseException($"o= network type '{Truncate(f[3])}' is not IN.");
        return new SdpOrigin(f[0], id, version, f[4], f[5]);
    }

    private static SdpConnection ParseConnection(string value)
    {
        var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 3 || f[0] != "IN" || f[1] is not ("IP4" or "IP6"))
            throw new SdpParseException($"c= must be 'IN IP4|IP6 address': '{Truncate(value)}'.");
        return new SdpConnection(f[1], f[2]);
    }

    private static SdpAttribute ParseAttribute(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? value : value[..colon];
        if (name.Length == 0) throw new SdpParseException("a= with an empty attribute name.");
        return new SdpAttribute(name, colon < 0 ? null : value[(colon + 1)..]);
    }

    private static MediaBuilder ParseMediaLine(string value)
    {
        var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 4) throw new SdpParseException($"m= needs media, port, proto and formats: '{Truncate(value)}'.");
        var portText = f[1];
        int? count = null;
        var slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!int.TryParse(portText.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c < 1)
                throw new SdpParseException($"m= port count is invalid: '{Truncate(value)}'.");
            count = c;
            portText = portText[..slash];
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new SdpParseException($"m= port is invalid: '{Truncate(value)}'.");
        return new MediaBuilder(f[0], port, count, f[2], f[3..]);
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";

    private sealed class MediaBuilder(string media, int port, int? count, string protocol, string[] formats)
    {
        public SdpConnection? Connection { get; set; }
        public List<string> Bandwidths { get; } = [];
        public List<SdpAttribute> Attributes { get; } = [];

        public MediaDescription Build() => new()
        {
            Media = media,
            Port = port,
            PortCount = count,
            Protocol = protocol,
            Formats = formats,
            Connection = Connection,
            Bandwidths = Bandwidths,
            Attributes = Attributes,
        };
    }
}
