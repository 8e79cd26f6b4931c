using System.Buffers;
using System.Globalization;
using System.Text;
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
                Put(output, r.Method);
                Put(output, " "u8);
                Put(output, r.RequestUri.ToString());
                Put(output, " "u8);
                Put(output, r.Version);
                break;
            case SipResponse r:
                Put(output, r.Version);
                Put(output, " "u8);
                Span<byte> code = stackalloc byte[3];
                r.StatusCode.TryFormat(code, out _, default, CultureInfo.InvariantCulture);
                output.Write(code);
                Put(output, " "u8);
                Put(output, r.ReasonPhrase);
                break;
        }
        Put(output, "\r\n"u8);
        foreach (var v in message.Via) Header(output, "Via: "u8, v.ToString());
        foreach (var r in message.Route) Header(output, "Route: "u8, r.ToString());
        foreach (var r in message.RecordRoute) Header(output, "Record-Route: "u8, r.ToString());
        if (message.From is { } from) Header(output, "From: "u8, from.ToString());
        if (message.To is { } to) Header(output, "To: "u8, to.ToString());
        if (message.CallId is { } callId) Header(output, "Call-ID: "u8, callId);
        if (message.CSeq is { } cseq) Header(output, "CSeq: "u8, cseq.ToString());
        if (message.MaxForwards is { } mf) Header(output, "Max-Forwards: "u8, SipNumbers.Format(mf));
        if (message.ContactWildcard) Header(output, "Contact: "u8, "*");
        foreach (var c in message.Contact) Header(output, "Contact: "u8, c.ToString());
        if (message.Expires is { } exp) Header(output, "Expires: "u8, SipNumbers.Format(exp));
        foreach (var h in message.Headers)
        {
            Put(output, h.Name);
            Put(output, ": "u8);
            if (!h.RawValue.IsEmpty) output.Write(h.RawValue.Span);
            else Put(output, h.Value);
            Put(output, "\r\n"u8);
        }
        if (message.ContentType is { } ct) Header(output, "Content-Type: "u8, ct);
        Header(output, "Content-Length: "u8, SipNumbers.Format(message.Body.Length));
        Put(output, "\r\n"u8);
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
        Put(output, value);
        Put(output, "\r\n"u8);
    }

    private static void Put(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    private static void Put(IBufferWriter<byte> output, string s) => Encoding.UTF8.GetBytes(s.AsSpan(), output);
}
