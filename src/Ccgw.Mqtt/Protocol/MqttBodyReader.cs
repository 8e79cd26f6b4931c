using System.Buffers;

namespace Ccgw.Mqtt;

/// <summary>
/// Reads the fields of one packet body whose length is already known, so running out of bytes
/// here means the packet lied about its content: always a Malformed Packet, never "incomplete".
/// </summary>
internal ref struct MqttBodyReader
{
    private SequenceReader<byte> _reader;

    public MqttBodyReader(in ReadOnlySequence<byte> body) => _reader = new SequenceReader<byte>(body);

    public readonly long Remaining => _reader.Remaining;

    public readonly bool End => _reader.End;

    public byte ReadByte()
    {
        if (!_reader.TryRead(out var value)) throw MqttProtocolException.Malformed("packet ends inside a byte field");
        return value;
    }

    public ushort ReadUInt16()
    {
        if (!_reader.TryReadBigEndian(out short value)) throw MqttProtocolException.Malformed("packet ends inside a two-byte integer");
        return (ushort)value;
    }

    public uint ReadUInt32()
    {
        if (!_reader.TryReadBigEndian(out int value)) throw MqttProtocolException.Malformed("packet ends inside a four-byte integer");
        return (uint)value;
    }

    /// <summary>Variable Byte Integer (§1.5.5): at most four bytes.</summary>
    public int ReadVariableByteInteger()
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var b = ReadByte();
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) return value;
        }
        throw MqttProtocolException.Malformed("variable byte integer longer than four bytes");
    }

    public ReadOnlySequence<byte> ReadSlice(long length)
    {
        if (length > _reader.Remaining) throw MqttProtocolException.Malformed("length field runs past the end of the packet");
        var slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }

    public string ReadString() => Utf8Text.Decode(ReadSlice(ReadUInt16()));

    /// <summary>The raw bytes of a UTF-8 string field, validated but not turned into a string.</summary>
    public ReadOnlySequence<byte> ReadStringBytes()
    {
        var slice = ReadSlice(ReadUInt16());
        if (slice.IsSingleSegment)
        {
            if (!Utf8Text.IsValid(slice.FirstSpan)) throw MqttProtocolException.Malformed("UTF-8 string is not well-formed or contains U+0000");
        }
        else
        {
            _ = Utf8Text.Decode(slice);
        }
        return slice;
    }

    public byte[] ReadBinary() => ReadSlice(ReadUInt16()).ToArray();

    public ReadOnlySequence<byte> ReadRest() => ReadSlice(_reader.Remaining);
}
