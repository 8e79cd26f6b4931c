using System.Buffers.Binary;
using Xunit;

namespace Ccgw.Testing;

/// <summary>UDP payloads from a classic libpcap file with Ethernet/IPv4 framing (what sipp's RTP pcaps in /usr/share/sip-tester are).</summary>
public static class PcapUdpPayloads
{
    public static List<byte[]> Read(string path)
    {
        var file = File.ReadAllBytes(path);
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(file)); // little-endian, microsecond pcap
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20))); // Ethernet
        var payloads = new List<byte[]>();
        for (var offset = 24; offset + 16 <= file.Length;)
        {
            var captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            var frame = file.AsSpan(offset + 16, captured);
            offset += 16 + captured;
            if (frame.Length < 14 + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800) continue;
            var ip = frame[14..];
            if (ip[9] != 17) continue; // UDP only
            var udp = ip[((ip[0] & 0x0F) * 4)..];
            var udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
            payloads.Add(udp[8..udpLength].ToArray());
        }
        return payloads;
    }
}
