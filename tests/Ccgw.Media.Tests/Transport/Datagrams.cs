using System.Net;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Rtp;
using Ccgw.Media.Transport;
using Ccgw.Testing;

namespace Ccgw.Media.Tests.Transport;

internal static class Datagrams
{
    internal static RtpPortAllocator Allocator()
    {
        var port = FreePorts.UdpPair();
        return new RtpPortAllocator(IPAddress.Loopback, port, port + 199);
    }

    internal static byte[] RtpDatagram(byte pt, ushort seq, uint ts, uint ssrc, byte[] payload, bool marker = false, uint[]? csrcs = null)
    {
        var buffer = new byte[12 + (4 * (csrcs?.Length ?? 0)) + payload.Length];
        RtpWriter.Write(buffer, new RtpHeader(pt, seq, ts, ssrc, marker), csrcs ?? [], payload);
        return buffer;
    }

    internal static byte[] Event(char digit, bool end, ushort duration)
    {
        TelephoneEvent.TryGetEventCode(digit, out var code);
        var payload = new byte[4];
        new TelephoneEvent(code, end, 10, duration).Write(payload);
        return payload;
    }
}
