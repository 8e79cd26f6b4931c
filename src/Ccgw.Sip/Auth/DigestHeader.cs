using System.Text;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Auth;

/// <summary>
/// A parsed credentials/challenge value: scheme plus auth-params (RFC 3261 §25.1, RFC 7616 §3.3/§3.4).
/// Quoted values are stored unquoted.
/// </summary>
public sealed class DigestHeader
{
    private readonly Dictionary<string, string> _params = new(StringComparer.OrdinalIgnoreCase);

    public DigestHeader(string scheme) => Scheme = scheme;

    public string Scheme { get; }

    public bool IsDigest => Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase);

    public string? this[string name]
    {
        get => _params.GetValueOrDefault(name);
        set
        {
            if (value is null) _params.Remove(name);
            else _params[name] = value;
        }
    }

    public static DigestHeader Parse(string value)
    {
        var c = new SipTextCursor(value);
        c.SkipWhite();
        var header = new DigestHeader(new string(c.ReadToken("Malformed authorization scheme")));
        c.SkipWhite();
        var first = true;
        while (!c.AtEnd)
        {
            if (!first) c.Expect(',', "Malformed authorization parameters");
            first = false;
            c.SkipWhite();
            var name = new string(c.ReadToken("Malformed authorization parameter"));
            c.Expect('=', "Malformed authorization parameter");
            string v;
            if (c.Peek == '"') v = c.ReadQuotedString("Malformed authorization parameter");
            else
            {
                var start = c.Position;
                while (!c.AtEnd && c.Peek is not (',' or ' ' or '\t')) c.Advance();
                v = new string(c.Slice(start, c.Position));
            }
            if (header._params.ContainsKey(name)) throw new SipParseException("Duplicate authorization parameter");
            header._params[name] = v;
            c.SkipWhite();
        }
        return header;
    }

    /// <summary>Writes the parameters in the given order; <paramref name="quoted"/> names are quoted.</summary>
    public static string Format(string scheme, IEnumerable<(string Name, string Value, bool Quoted)> parameters)
    {
        var sb = new StringBuilder(scheme).Append(' ');
        var first = true;
        foreach (var (name, value, quoted) in parameters)
        {
            if (!first) sb.Append(", ");
            first = false;
            sb.Append(name).Append('=');
            if (quoted) sb.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            else sb.Append(value);
        }
        return sb.ToString();
    }
}
