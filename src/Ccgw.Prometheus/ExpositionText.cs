using System.Buffers;
using System.Globalization;
using System.Text;

namespace Ccgw.Prometheus;

/// <summary>Low-level writers for the Prometheus text exposition format 0.0.4.</summary>
internal static class ExpositionText
{
    /// <summary><c># HELP</c> and <c># TYPE</c> lines, pre-encoded once per family.</summary>
    public static byte[] Header(string name, string help, MetricKind kind) =>
        Encoding.UTF8.GetBytes($"# HELP {name} {MetricNaming.EscapeHelp(help)}\n# TYPE {name} {TypeName(kind)}\n");

    public static string TypeName(MetricKind kind) => kind switch
    {
        MetricKind.Counter => "counter",
        MetricKind.Gauge => "gauge",
        MetricKind.Histogram => "histogram",
        _ => "untyped",
    };

    public static void WriteSample(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, double value)
    {
        WriteSeriesName(writer, name, labels);
        writer.Write(" "u8);
        WriteDouble(writer, value);
        writer.Write("\n"u8);
    }

    public static void WriteSample(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, long value)
    {
        WriteSeriesName(writer, name, labels);
        writer.Write(" "u8);
        WriteInteger(writer, value);
        writer.Write("\n"u8);
    }

    /// <summary><c>name_bucket{labels,le="bound"} count</c>.</summary>
    public static void WriteBucket(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> le, long count)
    {
        writer.Write(name);
        writer.Write("{"u8);
        if (!labels.IsEmpty)
        {
            writer.Write(labels);
            writer.Write(","u8);
        }
        writer.Write("le=\""u8);
        writer.Write(le);
        writer.Write("\"} "u8);
        WriteInteger(writer, count);
        writer.Write("\n"u8);
    }

    public static void WriteDouble(IBufferWriter<byte> writer, double value)
    {
        if (double.IsNaN(value)) writer.Write("NaN"u8);
        else if (double.IsPositiveInfinity(value)) writer.Write("+Inf"u8);
        else if (double.IsNegativeInfinity(value)) writer.Write("-Inf"u8);
        else
        {
            var span = writer.GetSpan(32);
            // Shortest round-trippable form ("0.005", "1E+21"), which Prometheus' float parser accepts.
            if (!value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
                throw new InvalidOperationException("32 bytes must hold any double.");
            writer.Advance(written);
        }
    }

    /// <summary>The <c>le</c> label text for a bucket bound.</summary>
    public static byte[] BoundText(double bound) =>
        double.IsPositiveInfinity(bound) ? "+Inf"u8.ToArray()
        : Encoding.UTF8.GetBytes(bound.ToString(CultureInfo.InvariantCulture));

    public static void WriteAscii(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        writer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void WriteSeriesName(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels)
    {
        writer.Write(name);
        if (labels.IsEmpty) return;
        writer.Write("{"u8);
        writer.Write(labels);
        writer.Write("}"u8);
    }

    private static void WriteInteger(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        if (!value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
            throw new InvalidOperationException("20 bytes must hold any long.");
        writer.Advance(written);
    }
}
