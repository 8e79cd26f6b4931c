using System.Collections.Frozen;

namespace Ccgw.Prometheus;

/// <summary>
/// The Prometheus name suffix for a UCUM-style instrument unit, and the divisor that converts
/// recorded values into that suffix's base unit (sub-second time units are exported in seconds,
/// as Prometheus conventions require base units).
/// </summary>
internal readonly record struct UnitMapping(string Suffix, double Divisor)
{
    public static readonly UnitMapping None = new("", 1);

    private static readonly FrozenDictionary<string, UnitMapping> Known = new Dictionary<string, UnitMapping>(StringComparer.Ordinal)
    {
        ["s"] = new("seconds", 1),
        ["ms"] = new("seconds", 1_000),
        ["us"] = new("seconds", 1_000_000),
        ["μs"] = new("seconds", 1_000_000),
        ["ns"] = new("seconds", 1_000_000_000),
        ["min"] = new("minutes", 1),
        ["h"] = new("hours", 1),
        ["d"] = new("days", 1),
        ["By"] = new("bytes", 1),
        ["KiBy"] = new("kibibytes", 1),
        ["MiBy"] = new("mebibytes", 1),
        ["GiBy"] = new("gibibytes", 1),
        ["KBy"] = new("kilobytes", 1),
        ["MBy"] = new("megabytes", 1),
        ["GBy"] = new("gigabytes", 1),
        ["bit"] = new("bits", 1),
        ["m"] = new("meters", 1),
        ["V"] = new("volts", 1),
        ["A"] = new("amperes", 1),
        ["J"] = new("joules", 1),
        ["W"] = new("watts", 1),
        ["g"] = new("grams", 1),
        ["Cel"] = new("celsius", 1),
        ["Hz"] = new("hertz", 1),
        ["%"] = new("percent", 1),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> PerUnit = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["ms"] = "millisecond",
        ["min"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["By"] = "byte",
        ["m"] = "meter",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public bool IsTime => Suffix == "seconds";

    public static UnitMapping For(string? unit, MetricKind kind)
    {
        var text = StripAnnotations(unit);
        if (text.Length == 0) return None;
        // A dimensionless "1" is only meaningful as a ratio for gauges; a counter of "1" is just a count.
        if (text == "1") return kind == MetricKind.Gauge ? new("ratio", 1) : None;

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return Known.TryGetValue(text, out var known) ? known : new(MetricNaming.SanitizeSuffix(text), 1);

        var numerator = text[..slash];
        var denominator = text[(slash + 1)..];
        var per = PerUnit.TryGetValue(denominator, out var p) ? p : MetricNaming.SanitizeSuffix(denominator);
        if (per.Length == 0) return None;
        // Rates keep their numerator unscaled: "ms/s" is a ratio-like quantity nobody should silently rescale.
        var top = numerator.Length == 0 || numerator == "1" ? ""
            : Known.TryGetValue(numerator, out var k) && k.Divisor == 1 ? k.Suffix
            : MetricNaming.SanitizeSuffix(numerator);
        return new(top.Length == 0 ? "per_" + per : top + "_per_" + per, 1);
    }

    private static string StripAnnotations(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit)) return "";
        if (!unit.Contains('{', StringComparison.Ordinal)) return unit.Trim();
        var builder = new System.Text.StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}' && depth > 0) depth--;
            else if (depth == 0) builder.Append(c);
        }
        return builder.ToString().Trim();
    }
}
