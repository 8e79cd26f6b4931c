using System.Buffers.Binary;
using System.Text;

namespace Ccgw.Mqtt;

/// <summary>
/// The primitive fields of the wire format. The encoder runs once with <see cref="MqttSizeCounter"/>
/// to learn the exact length and once with <see cref="MqttSpanWriter"/> to write, so one piece of
/// code defines both and they cannot drift apart.
/// </summary>
internal interface IMqttWriter
{
    void WriteByte(byte value);
    void WriteUInt16(ushort value);
    void WriteUInt32(uint value);
    void WriteVariableByteInteger(int value);
    void WriteBytes(ReadOnlySpan<byte> value);
    void WriteString(string value);

    /// <summary>Binary Data (§1.5.6): two-byte length, then the bytes.</summary>
    void WriteBinary(ReadOnlySpan<byte> value);
}

internal struct MqttSizeCounter : IMqttWriter
{
    public int Length { get; private set; }

    public void WriteByte(byte value) => Length += 1;
    public void WriteUInt16(ushort value) => Length += 2;
    public void WriteUInt32(uint value) => Length += 4;
    public void WriteVariableByteInteger(int value) => Length += MqttSpanWriter.VariableByteIntegerSize(value);
    public void WriteBytes(ReadOnlySpan<byte> value) => Length += value.Length;
    public void WriteString(string value) => Length += 2 + StringByteCount(value);
    public void WriteBinary(ReadOnlySpan<byte> value) => Length += 2 + value.Length;

    internal static int StringByteCount(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        if (count > Utf8Text.MaxStringBytes) throw new ArgumentException("string longer than 65535 UTF-8 bytes", nameof(value));
        return count;
    }
}

internal ref struct MqttSpanWriter : IMqttWriter
{
    private readonly Span<byte> _span;

    public MqttSpanWriter(Span<byte> span) => _span = span;

    public int Position { get; private set; }

    public void WriteByte(byte value) => _span[Position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span[Position..], value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_span[Position..], value);
        Position += 4;
    }

    public void WriteVariableByteInteger(int value) => Position += EncodeVariableByteInteger(value, _span[Position..]);

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span[Position..]);
        Position += value.Length;
    }

    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetBytes(value, _span[(Position + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_span[Position..], checked((ushort)count));
        Position += 2 + count;
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        WriteUInt16(checked((ushort)value.Length));
        WriteBytes(value);
    }

    public static int VariableByteIntegerSize(int value) => value switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(value)),
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        <= MqttFrameReader.MaxRemainingLength => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    public static int EncodeVariableByteInteger(int value, Span<byte> destination)
    {
        var count = 0;
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            if (value > 0) b |= 0x80;
            destination[count++] = b;
        }
        while (value > 0);
        return count;
    }
}
