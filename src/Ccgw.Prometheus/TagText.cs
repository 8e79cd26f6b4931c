using System.Globalization;

namespace Ccgw.Prometheus;

/// <summary>Renders a tag value as label text, identically for the series key and the exposed label.</summary>
internal static class TagText
{
    public static bool TryFormat(object? value, Span<char> destination, out int written)
    {
        switch (value)
        {
            case null:
                written = 0;
                return true;
            case string s:
                written = s.Length;
                return s.AsSpan().TryCopyTo(destination);
            case bool b:
                var text = b ? "true" : "false";
                written = text.Length;
                return text.AsSpan().TryCopyTo(destination);
            case ISpanFormattable formattable:
                return formattable.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
            default:
                var other = Format(value);
                written = other.Length;
                return other.AsSpan().TryCopyTo(destination);
        }
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
