using System.Text;

namespace Ccgw.Prometheus;

/// <summary>Prometheus naming and text-escaping rules (see docs/observability.md).</summary>
internal static class MetricNaming
{
    /// <summary>Maps an instrument to its exposition family name, e.g. <c>ccgw.sip.requests</c> → <c>ccgw_sip_requests_total</c>.</summary>
    public static string FamilyName(string instrumentName, UnitMapping unit, MetricKind kind)
    {
        var name = SanitizeMetricName(instrumentName);
        if (kind == MetricKind.Counter && name.EndsWith("_total", StringComparison.Ordinal) && name.Length > "_total".Length)
            name = name[..^"_total".Length];
        if (unit.Suffix.Length > 0 && !name.EndsWith("_" + unit.Suffix, StringComparison.Ordinal))
            name += "_" + unit.Suffix;
        if (kind == MetricKind.Counter) name += "_total";
        return name;
    }

    /// <summary>
    /// <c>[a-zA-Z_][a-zA-Z0-9_]*</c>: other characters become <c>_</c>, runs of <c>_</c> collapse to one, and a
    /// leading digit gets a <c>_</c> prefix. Colons are replaced too: they are reserved for recording rules.
    /// </summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, collapseUnderscores: true);

    /// <summary>
    /// <c>[a-zA-Z_][a-zA-Z0-9_]*</c> for label names. Runs of underscores are kept so distinct tags rarely merge,
    /// but a leading <c>__</c> (reserved for Prometheus internals) is reduced to one <c>_</c>.
    /// </summary>
    public static string SanitizeLabelName(string name)
    {
        var sanitized = Sanitize(name, collapseUnderscores: false);
        var leading = 0;
        while (leading < sanitized.Length && sanitized[leading] == '_') leading++;
        if (leading >= 2) sanitized = leading == sanitized.Length ? "_" : "_" + sanitized[leading..];
        return sanitized;
    }

    /// <summary>A unit fragment used as a name suffix: lower-case, sanitised, no leading or trailing <c>_</c>.</summary>
    public static string SanitizeSuffix(string unit) =>
        Sanitize(unit, collapseUnderscores: true).Trim('_').ToLowerInvariant();

    private static string Sanitize(string name, bool collapseUnderscores)
    {
        if (string.IsNullOrEmpty(name)) return "_";
        var builder = new StringBuilder(name.Length + 1);
        if (IsAsciiDigit(name[0])) builder.Append('_');
        foreach (var c in name)
        {
            var valid = char.IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_';
            var next = valid ? c : '_';
            if (collapseUnderscores && next == '_' && builder.Length > 0 && builder[^1] == '_') continue;
            builder.Append(next);
        }
        return builder.ToString();
    }

    private static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';

    /// <summary><c># HELP</c> text escaping: backslash and line feed.</summary>
    public static string EscapeHelp(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Label value escaping: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
}
