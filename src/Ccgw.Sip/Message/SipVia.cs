using System.Globalization;
using System.Buffers;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Message;

/// <summary>One via-parm (RFC 3261 §20.42, §18.2.1).</summary>
public sealed class SipVia
{
    /// <summary>RFC 3261 §8.1.1.7: branches of compliant transactions start with this cookie.</summary>
    public const string MagicCookie = "z9hG4bK";

    public SipVia(string transport, string host, int? port, string branch)
    {
        Transport = transport.ToUpperInvariant();
        Host = host;
        Port = port;
        Parameters.Set("branch", branch);
    }

    private SipVia(string protocol, string transport, string host, int? port)
    {
        Protocol = protocol;
        Transport = transport.ToUpperInvariant();
        Host = host;
        Port = port;
    }

    /// <summary>"SIP/2.0" normally.</summary>
    public string Protocol { get; } = "SIP/2.0";

    public string Transport { get; }

    public string Host { get; }

    public int? Port { get; }

    public SipParameters Parameters { get; } = new();

    public string? Branch => Parameters.Get("branch");

    public string? Received
    {
        get => Parameters.Get("received");
        set
        {
            if (value is null) Parameters.Remove("received");
            else Parameters.Set("received", value);
        }
    }

    /// <summary>True when "rport" is present (with or without value, RFC 3581).</summary>
    public bool HasRPort => Parameters.Contains("rport");

    public int? RPort => int.TryParse(Parameters.Get("rport"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;

    public string SentBy => Port is { } p ? string.Concat(Host, ":", p.ToString(CultureInfo.InvariantCulture)) : Host;

    public bool IsRfc3261Branch => Branch is { } b && b.StartsWith(MagicCookie, StringComparison.Ordinal) && b.Length > MagicCookie.Length;

    public override string ToString() => SipWire.Render(this, static (v, o) => v.WriteTo(o));

    public void WriteTo(IBufferWriter<byte> output)
    {
        SipWire.Put(output, Protocol);
        SipWire.Put(output, '/');
        SipWire.Put(output, Transport);
        SipWire.Put(output, ' ');
        SipWire.Put(output, Host);
        if (Port is { } p)
        {
            SipWire.Put(output, ':');
            SipWire.PutNumber(output, p);
        }
        Parameters.WriteTo(output);
    }

    internal static void ParseList(ReadOnlySpan<char> value, List<SipVia> into)
    {
        var c = new SipTextCursor(value);
        while (true)
        {
            c.SkipWhite();
            into.Add(ParseOne(ref c));
            c.SkipWhite();
            if (c.AtEnd) return;
            c.Expect(',', "Malformed Via");
        }
    }

    private static SipVia ParseOne(ref SipTextCursor c)
    {
        var name = c.ReadToken("Malformed Via protocol");
        c.Expect('/', "Malformed Via protocol");
        var version = c.ReadToken("Malformed Via version");
        c.Expect('/', "Malformed Via protocol");
        var transport = c.ReadToken("Malformed Via transport");
        c.SkipWhite();
        var start = c.Position;
        string host;
        if (c.Peek == '[')
        {
            while (!c.AtEnd && c.Peek != ']') c.Advance();
            if (c.AtEnd) throw new SipParseException("Malformed Via host");
            c.Advance();
            host = new string(c.Slice(start, c.Position));
        }
        else
        {
            while (SipGrammar.IsHostChar(c.Peek)) c.Advance();
            if (c.Position == start) throw new SipParseException("Malformed Via host");
            host = new string(c.Slice(start, c.Position));
        }
        int? port = null;
        if (c.TryConsume(':'))
        {
            var ps = c.Position;
            var v = 0;
            while (SipGrammar.IsDigit(c.Peek))
            {
                v = v * 10 + (c.Peek - '0');
                if (v > 65535) throw new SipParseException("Via port out of range");
                c.Advance();
            }
            if (c.Position == ps) throw new SipParseException("Malformed Via port");
            port = v;
        }
        var protocol = string.Concat(name.ToString().ToUpperInvariant(), "/", version);
        var via = new SipVia(protocol, new string(transport), host, port);
        SipParameters.ParseHeaderParams(ref c, via.Parameters);
        return via;
    }
}
