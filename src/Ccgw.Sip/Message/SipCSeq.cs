using System.Buffers;
using System.Globalization;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Message;

/// <summary>CSeq (RFC 3261 §20.16): a 32-bit sequence number and the method.</summary>
public sealed record SipCSeq(uint Number, string Method)
{
    public override string ToString() => string.Concat(Number.ToString(CultureInfo.InvariantCulture), " ", Method);

    public void WriteTo(IBufferWriter<byte> output)
    {
        SipWire.PutNumber(output, Number);
        SipWire.Put(output, ' ');
        SipWire.Put(output, Method);
    }

    internal static SipCSeq Parse(ReadOnlySpan<char> value)
    {
        var c = new SipTextCursor(value);
        c.SkipWhite();
        var n = SipNumbers.ParseUInt32(ref c, "Malformed CSeq");
        var before = c.Position;
        c.SkipWhite();
        if (c.Position == before) throw new SipParseException("Malformed CSeq");
        var method = c.ReadToken("Malformed CSeq method");
        c.SkipWhite();
        if (!c.AtEnd) throw new SipParseException("Malformed CSeq");
        return new SipCSeq(n, new string(method));
    }
}

internal static class SipNumbers
{
    public static uint ParseUInt32(ref SipTextCursor c, string error)
    {
        var start = c.Position;
        ulong v = 0;
        while (SipGrammar.IsDigit(c.Peek))
        {
            v = v * 10 + (ulong)(c.Peek - '0');
            if (v > uint.MaxValue) throw new SipParseException(error);
            c.Advance();
        }
        if (c.Position == start) throw new SipParseException(error);
        return (uint)v;
    }

    /// <summary>A whole header value that must be 1*DIGIT (leading zeros allowed, RFC 4475 §3.1.1.1).</summary>
    public static uint ParseWholeUInt32(ReadOnlySpan<char> value, string error)
    {
        var c = new SipTextCursor(value);
        c.SkipWhite();
        var v = ParseUInt32(ref c, error);
        c.SkipWhite();
        if (!c.AtEnd) throw new SipParseException(error);
        return v;
    }

    /// <summary>delta-seconds larger than 2^32-1 are clamped rather than rejected (RFC 3261 §20.19 leniency).</summary>
    public static uint ParseDeltaSeconds(ReadOnlySpan<char> value)
    {
        var s = value.Trim(" \t");
        if (s.IsEmpty) throw new SipParseException("Malformed Expires");
        ulong v = 0;
        foreach (var ch in s)
        {
            if (!SipGrammar.IsDigit(ch)) throw new SipParseException("Malformed Expires");
            v = Math.Min(v * 10 + (ulong)(ch - '0'), uint.MaxValue);
        }
        return (uint)v;
    }

    public static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);
}
