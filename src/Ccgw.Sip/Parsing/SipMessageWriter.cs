using System.Buffers;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Parsing;

/// <summary>Serializes the model to wire format (RFC 3261 §7). Content-Length always reflects the body.</summary>
public static class SipMessageWriter
{
    public static void Write(SipMessage message, IBufferWriter<byte> output)
    {
        switch (message)
        {
            case SipRequest r:
                SipWire.Put(output, r.Method);
                SipWire.Put(output, ' ');
                r.RequestUri.WriteTo(output);
                SipWire.Put(output, ' ');
                SipWire.Put(output, r.Version);
                break;
            case SipResponse r:
                SipWire.Put(output, r.Version);
                SipWire.Put(output, ' ');
                SipWire.PutNumber(output, r.StatusCode);
                SipWire.Put(output, ' ');
                SipWire.Put(output, r.ReasonPhrase);
                break;
        }
        SipWire.Put(output, "\r\n"u8);
        foreach (var v in message.Via)
        {
            SipWire.Put(output, "Via: "u8);
            v.WriteTo(output);
            SipWire.Put(output, "\r\n"u8);
        }
        foreach (var r in message.Route) Address(output, "Route: "u8, r);
        foreach (var r in message.RecordRoute) Address(output, "Record-Route: "u8, r);
        if (message.From is { } from) Address(output, "From: "u8, from);
        if (message.To is { } to) Address(output, "To: "u8, to);
        if (message.CallId is { } callId) Header(output, "Call-ID: "u8, callId);
        if (message.CSeq is { } cseq)
        {
            SipWire.Put(output, "CSeq: "u8);
            cseq.WriteTo(output);
            SipWire.Put(output, "\r\n"u8);
        }
        if (message.MaxForwards is { } mf) Number(output, "Max-Forwards: "u8, mf);
        if (message.ContactWildcard) Header(output, "Contact: "u8, "*");
        foreach (var c in message.Contact) Address(output, "Contact: "u8, c);
        if (message.Expires is { } exp) Number(output, "Expires: "u8, exp);
        foreach (var h in message.Headers)
        {
            SipWire.Put(output, h.Name);
            SipWire.Put(output, ": "u8);
            if (!h.RawValue.IsEmpty) output.Write(h.RawValue.Span);
            else SipWire.Put(output, h.Value);
            SipWire.Put(output, "\r\n"u8);
        }
        if (message.ContentType is { } ct) Header(output, "Content-Type: "u8, ct);
        Number(output, "Content-Length: "u8, message.Body.Length);
        SipWire.Put(output, "\r\n"u8);
        if (!message.Body.IsEmpty) output.Write(message.Body.Span);
    }

    public static byte[] ToBytes(SipMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        Write(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Header(IBufferWriter<byte> output, ReadOnlySpan<byte> nameColon, string value)
    {
        output.Write(nameColon);
        SipWire.Put(output, value);
        SipWire.Put(output, "\r\n"u8);
    }

    private static void Address(IBufferWriter<byte> output, ReadOnlySpan<byte> nameColon, SipNameAddress value)
    {
        output.Write(nameColon);
        value.WriteTo(output);
        SipWire.Put(output, "\r\n"u8);
    }

    private static void Number(IBufferWriter<byte> output, ReadOnlySpan<byte> nameColon, long value)
    {
        output.Write(nameColon);
        SipWire.PutNumber(output, value);
        SipWire.Put(output, "\r\n"u8);
    }
}
