using System.Text;
using System.Buffers;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Message;

/// <summary>
/// Answers a datagram the parser rejected (RFC 3261 §21.4.1: 400 with a reason naming the problem).
/// Via/From/To/Call-ID/CSeq are salvaged line by line so the peer can match the answer; malformed
/// responses and ACKs are dropped because they are never answered (§17.1.1.3, §17.2.1).
/// </summary>
public static class SipMalformedRequestResponder
{
    private const int MaxSalvagedValue = 1024;

    /// <summary>Returns the bytes of the error response to send, or null when the datagram must be dropped.</summary>
    public static byte[]? BuildResponse(ReadOnlySpan<byte> datagram, SipParseException error, string warningAgent = "ccgw")
    {
        var i = 0;
        while (i < datagram.Length && datagram[i] is (byte)'\r' or (byte)'\n') i++;
        var data = datagram[i..];
        if (data.Length < 3 || Ascii.EqualsIgnoreCase(data[..Math.Min(4, data.Length)], "SIP/"u8)) return null;
        if (data.StartsWith("ACK "u8)) return null;
        var firstLf = data.IndexOf((byte)'\n');
        if (firstLf < 0) return null;

        var response = new SipResponse(error.StatusCode, error.StatusCode == 400 ? error.Reason : SipReasonPhrases.For(error.StatusCode));
        var salvage = new SipHeaderAssembler(response);
        var pos = firstLf + 1;
        while (pos < data.Length)
        {
            var lf = data[pos..].IndexOf((byte)'\n');
            var end = lf < 0 ? data.Length : pos + lf;
            var line = data[pos..end];
            pos = end + 1;
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.IsEmpty) break;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line.Length > MaxSalvagedValue) continue;
            SipHeaderNames.Lookup(line[..colon].TrimEnd(" \t"u8), out var typed);
            if (typed is not (TypedHeader.Via or TypedHeader.From or TypedHeader.To or TypedHeader.CallId or TypedHeader.CSeq)) continue;
            // Each line goes through the real header parser so the answer itself is always well-formed;
            // a header that does not parse (or repeats a single-valued one) is simply left out.
            try
            {
                salvage.Add(line, SipParserOptions.Default);
            }
            catch (SipParseException) when (typed == TypedHeader.Via && response.Via.Count == 0)
            {
                SalvageSentBy(line[(colon + 1)..], response);
            }
            catch (SipParseException)
            {
                // Left out of the 400, as the comment above says; the parse error itself is logged by the caller.
            }
        }
        // Without a Via the peer cannot match the answer to anything (§8.1.3.3), so there is nobody to tell.
        if (response.Via.Count == 0) return null;
        if (response.To is { Tag: null } to) to.Tag = "ccgw-400";
        response.Headers.Add(SipHeaderNames.Warning, string.Concat("399 ", warningAgent, " \"", error.Reason, "\""));
        return SipMessageWriter.ToBytes(response);
    }

    /// <summary>
    /// A Via whose parameters are broken (RFC 4475 §3.1.2.1) still names the sender: keep sent-protocol and
    /// sent-by, plus the branch when it is a clean token, so the 400 can be matched.
    /// </summary>
    private static void SalvageSentBy(ReadOnlySpan<byte> value, SipResponse response)
    {
        var end = value.IndexOfAny((byte)';', (byte)',');
        var head = end < 0 ? value : value[..end];
        var line = Encoding.UTF8.GetString(head);
        try
        {
            var vias = new List<SipVia>();
            SipVia.ParseList(line, vias);
            var branchAt = value.IndexOf("branch="u8);
            if (branchAt >= 0)
            {
                var b = value[(branchAt + 7)..];
                var len = 0;
                while (len < b.Length && SipGrammar.IsTokenChar(b[len])) len++;
                if (len > 0) vias[0].Parameters.Set("branch", Encoding.ASCII.GetString(b[..len]));
            }
            response.Via.Add(vias[0]);
        }
        catch (SipParseException)
        {
            // Not even sent-by parses: no Via, so no 400 (see BuildResponse); the parse error is logged by the caller.
        }
    }

    /// <summary>Builds the error response for a parsed request that failed <see cref="SipRequestValidator"/>.</summary>
    public static SipResponse BuildResponse(SipRequest request, SipValidationFailure failure, string toTag, string warningAgent = "ccgw")
    {
        var reason = failure.StatusCode == 400 ? failure.Reason : SipReasonPhrases.For(failure.StatusCode);
        var response = SipResponseFactory.Create(request, failure.StatusCode, reason, toTag);
        response.Headers.Add(SipHeaderNames.Warning, string.Concat("399 ", warningAgent, " \"", failure.Reason, "\""));
        return response;
    }

    internal static void Write(SipResponse response, IBufferWriter<byte> output) => SipMessageWriter.Write(response, output);
}
