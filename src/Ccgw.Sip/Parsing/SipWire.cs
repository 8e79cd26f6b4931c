using System.Buffers;
using System.Globalization;
using System.Text;

namespace Ccgw.Sip.Parsing;

/// <summary>Allocation-free writes of text and numbers into an <see cref="IBufferWriter{T}"/>.</summary>
internal static class SipWire
{
    public static void Put(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    public static void Put(IBufferWriter<byte> output, string? s)
    {
        if (string.IsNullOrEmpty(s)) return;
        Encoding.UTF8.GetBytes(s.AsSpan(), output);
    }

    public static void Put(IBufferWriter<byte> output, ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return;
        Encoding.UTF8.GetBytes(s, output);
    }

    public static void Put(IBufferWriter<byte> output, char c)
    {
        var span = output.GetSpan(1);
        span[0] = (byte)c;
        output.Advance(1);
    }

    public static void PutNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>Renders a writer-based formatter to a string (for ToString and diagnostics).</summary>
    public static string Render<T>(T value, Action<T, IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        write(value, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
