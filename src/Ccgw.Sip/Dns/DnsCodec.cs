using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Ccgw.Sip.Dns;

/// <summary>
/// Wire format of DNS messages (RFC 1035 §4). Decoding works on spans and checks every length against the buffer,
/// so hostile input ends in <see cref="DnsFormatException"/>: compression pointers are followed at most
/// <see cref="MaxPointerHops"/> times (a pointer loop cannot hang us) and names are capped at 255 octets (§2.3.4).
/// </summary>
internal static class DnsCodec
{
    public const int HeaderLength = 12;
    public const int MaxPointerHops = 32;
    public const int MaxNameLength = 255;
    public const int MaxLabelLength = 63;
    public const ushort ClassInternet = 1;

    /// <summary>A recursive query (RD=1, RFC 1035 §4.1.1) for one name and type, class IN.</summary>
    public static byte[] EncodeQuery(ushort id, string name, DnsRecordType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        var buffer = new byte[HeaderLength + MaxNameLength + 4];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, id);
        buffer[2] = 0x01; // RD: we are a stub, the server recurses for us
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(4), 1);
        var offset = HeaderLength + WriteName(buffer.AsSpan(HeaderLength), name);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset + 2), ClassInternet);
        return buffer[..(offset + 4)];
    }

    /// <summary>Writes <paramref name="name"/> uncompressed; throws <see cref="ArgumentException"/> for a name DNS cannot carry.</summary>
    private static int WriteName(Span<byte> destination, string name)
    {
        var text = name.EndsWith('.') ? name[..^1] : name;
        var written = 0;
        if (text.Length > 0)
        {
            var start = 0;
            while (start <= text.Length)
            {
                var end = text.IndexOf('.', start);
                if (end < 0) end = text.Length;
                var length = end - start;
                if (length is 0 or > MaxLabelLength)
                    throw new ArgumentException($"'{name}' has an empty label or one longer than 63 octets", nameof(name));
                if (written + 1 + length + 1 > MaxNameLength)
                    throw new ArgumentException($"'{name}' is longer than 255 octets", nameof(name));
                destination[written++] = (byte)length;
                for (var i = start; i < end; i++)
                {
                    if (text[i] > 0x7E || text[i] <= 0x20)
                        throw new ArgumentException($"'{name}' is not an ASCII host name", nameof(name));
                    destination[written++] = (byte)text[i];
                }
                start = end + 1;
            }
        }
        destination[written++] = 0;
        return written;
    }

    public static DnsMessage Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength) throw new DnsFormatException($"{data.Length} octets is shorter than the 12-octet header");
        var id = BinaryPrimitives.ReadUInt16BigEndian(data);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        int questionCount = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int answerCount = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        int authorityCount = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        int additionalCount = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        var offset = HeaderLength;

        // Counts are attacker-chosen: lists grow as records actually decode, never pre-sized from the header.
        var questions = new List<DnsQuestion>(Math.Min(questionCount, 4));
        for (var i = 0; i < questionCount; i++)
        {
            var name = ReadName(data, ref offset);
            var type = (DnsRecordType)ReadUInt16(data, ref offset);
            var @class = ReadUInt16(data, ref offset);
            questions.Add(new DnsQuestion(name, type, @class));
        }
        var answers = ReadRecords(data, ref offset, answerCount);
        var authorities = ReadRecords(data, ref offset, authorityCount);
        var additionals = ReadRecords(data, ref offset, additionalCount);
        return new DnsMessage(id, (flags & 0x8000) != 0, (flags >> 11) & 0xF, (flags & 0x0200) != 0,
            (DnsResponseCode)(flags & 0xF), questions, answers, authorities, additionals);
    }

    private static List<DnsRecord> ReadRecords(ReadOnlySpan<byte> data, ref int offset, int count)
    {
        var records = new List<DnsRecord>(Math.Min(count, 16));
        for (var i = 0; i < count; i++) records.Add(ReadRecord(data, ref offset));
        return records;
    }

    private static DnsRecord ReadRecord(ReadOnlySpan<byte> data, ref int offset)
    {
        var name = ReadName(data, ref offset);
        var type = (DnsRecordType)ReadUInt16(data, ref offset);
        var @class = ReadUInt16(data, ref offset);
        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
        var ttl = ReadUInt32(data, ref offset);
        if (ttl > int.MaxValue) ttl = 0;
        int length = ReadUInt16(data, ref offset);
        if (length > data.Length - offset)
            throw new DnsFormatException($"RDATA of {length} octets at offset {offset} runs past the end of the message");
        var start = offset;
        var end = offset + length;
        offset = end;
        var record = new DnsRecord(name, type, @class, ttl);
        if (@class != ClassInternet) return record;
        switch (type)
        {
            case DnsRecordType.A:
                if (length != 4) throw new DnsFormatException($"A record of {length} octets (expected 4)");
                return record with { Address = new IPAddress(data.Slice(start, 4)) };
            case DnsRecordType.Aaaa:
                if (length != 16) throw new DnsFormatException($"AAAA record of {length} octets (expected 16)");
                return record with { Address = new IPAddress(data.Slice(start, 16)) };
            case DnsRecordType.Cname:
            {
                var at = start;
                var target = ReadName(data, ref at);
                CheckEnd(at, end, type);
                return record with { Target = target };
            }
            case DnsRecordType.Srv:
            {
                // Names inside RDATA may point anywhere earlier in the message, so read from the whole buffer and
                // then insist the name ended exactly at RDLENGTH.
                var at = start;
                if (length < 7) throw new DnsFormatException($"SRV record of {length} octets is too short");
                var priority = ReadUInt16(data, ref at);
                var weight = ReadUInt16(data, ref at);
                var port = ReadUInt16(data, ref at);
                var target = ReadName(data, ref at);
                CheckEnd(at, end, type);
                return record with { Srv = new DnsSrv(priority, weight, port, target) };
            }
            case DnsRecordType.Soa:
            {
                var at = start;
                _ = ReadName(data, ref at);
                _ = ReadName(data, ref at);
                if (end - at != 20) throw new DnsFormatException("SOA record's RDATA length disagrees with its contents");
                var minimum = BinaryPrimitives.ReadUInt32BigEndian(data[(at + 16)..]);
                return record with { NegativeTtl = Math.Min(ttl, minimum > int.MaxValue ? 0 : minimum) };
            }
            default:
                return record;
        }
    }

    private static void CheckEnd(int at, int end, DnsRecordType type)
    {
        if (at != end) throw new DnsFormatException($"{type} record's RDATA length disagrees with its contents");
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> data, ref int offset)
    {
        if (offset > data.Length - 2) throw new DnsFormatException($"message ends at {data.Length} octets inside a field at offset {offset}");
        var value = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        offset += 2;
        return value;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> data, ref int offset)
    {
        if (offset > data.Length - 4) throw new DnsFormatException($"message ends at {data.Length} octets inside a field at offset {offset}");
        var value = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
        offset += 4;
        return value;
    }

    /// <summary>
    /// A domain name (RFC 1035 §4.1.4), in presentation form without the final dot ("." for the root). Octets other
    /// than printable ASCII, and "." or "\" inside a label, are written as \DDD so distinct wire names stay distinct.
    /// </summary>
    internal static string ReadName(ReadOnlySpan<byte> data, ref int offset)
    {
        var text = new StringBuilder();
        var position = offset;
        var jumped = false;
        var hops = 0;
        var wireLength = 1; // the root label's length octet
        while (true)
        {
            if (position >= data.Length) throw new DnsFormatException($"name at offset {offset} runs past the end of the message");
            int length = data[position];
            switch (length & 0xC0)
            {
                case 0xC0:
                {
                    if (position + 1 >= data.Length) throw new DnsFormatException($"compression pointer at offset {position} is cut off");
                    if (++hops > MaxPointerHops) throw new DnsFormatException($"name at offset {offset} follows more than {MaxPointerHops} compression pointers (a loop?)");
                    var target = ((length & 0x3F) << 8) | data[position + 1];
                    if (target >= data.Length) throw new DnsFormatException($"compression pointer at offset {position} points past the end ({target})");
                    if (!jumped)
                    {
                        offset = position + 2;
                        jumped = true;
                    }
                    position = target;
                    continue;
                }
                case 0x00:
                    if (length == 0)
                    {
                        if (!jumped) offset = position + 1;
                        return text.Length == 0 ? "." : text.ToString();
                    }
                    wireLength += length + 1;
                    if (wireLength > MaxNameLength) throw new DnsFormatException($"name at offset {offset} is longer than {MaxNameLength} octets");
                    if (length > data.Length - position - 1) throw new DnsFormatException($"label at offset {position} runs past the end of the message");
                    if (text.Length > 0) text.Append('.');
                    AppendLabel(text, data.Slice(position + 1, length));
                    position += 1 + length;
                    continue;
                default:
                    // 0x40 and 0x80 prefixes are the obsolete extended and reserved label types (RFC 6891 §5): in
                    // practice a label length over 63.
                    throw new DnsFormatException($"label length octet 0x{length:X2} at offset {position} (labels are at most 63 octets)");
            }
        }
    }

    private static void AppendLabel(StringBuilder text, ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            if (b is (byte)'.' or (byte)'\\') text.Append('\\').Append((char)b);
            else if (b is > 0x20 and < 0x7F) text.Append((char)b);
            else text.Append('\\').Append((char)('0' + b / 100)).Append((char)('0' + b / 10 % 10)).Append((char)('0' + b % 10));
        }
    }
}
