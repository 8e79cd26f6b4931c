using System.Globalization;
using System.Text.RegularExpressions;

namespace Ccgw.Prometheus.Tests;

/// <summary>
/// A small checker for the text format 0.0.4 as the tests rely on it: every line is HELP, TYPE or a sample;
/// HELP/TYPE at most once per family and before its samples; samples belong to the current family;
/// label names valid and unique; label values and HELP correctly escaped; values parse as floats.
/// </summary>
internal static partial class ExpositionGrammar
{
    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\n]|\\\\|\\n)*$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex Type();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"")(?:,[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"")*)?\})? (\S+)$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\\n]|\\[\\""n])*)""")]
    private static partial Regex Label();

    public static IReadOnlyList<string> Errors(string text)
    {
        var errors = new List<string>();
        if (text.Length > 0 && !text.EndsWith('\n')) errors.Add("output does not end with a line feed");
        var seenHelp = new HashSet<string>();
        var seenType = new HashSet<string>();
        var sampled = new HashSet<string>();
        string? family = null;
        string? type = null;
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.Length == 0 && text.Length == 0) continue;
            if (Help().Match(line) is { Success: true } help)
            {
                var name = help.Groups[1].Value;
                if (!seenHelp.Add(name)) errors.Add($"second HELP for {name}");
                if (sampled.Contains(name)) errors.Add($"HELP after samples for {name}");
                continue;
            }
            if (Type().Match(line) is { Success: true } typeLine)
            {
                family = typeLine.Groups[1].Value;
                type = typeLine.Groups[2].Value;
                if (!seenType.Add(family)) errors.Add($"second TYPE for {family}");
                if (sampled.Contains(family)) errors.Add($"TYPE after samples for {family}");
                continue;
            }
            var sample = Sample().Match(line);
            if (!sample.Success)
            {
                errors.Add($"unparseable line: {line}");
                continue;
            }
            var sampleName = sample.Groups[1].Value;
            var value = sample.Groups[3].Value;
            if (value is not ("+Inf" or "-Inf" or "NaN") && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                errors.Add($"bad value: {line}");
            var belongs = family is not null && (sampleName == family
                || (type == "histogram" && (sampleName == family + "_bucket" || sampleName == family + "_sum" || sampleName == family + "_count")));
            if (!belongs) errors.Add($"sample outside its family: {line}");
            sampled.Add(family ?? sampleName);
            var names = Label().Matches(sample.Groups[2].Value).Select(m => m.Groups[1].Value).ToList();
            if (names.Count != names.Distinct().Count()) errors.Add($"duplicate label name: {line}");
        }
        return errors;
    }

    public static void AssertValid(string text)
    {
        var errors = Errors(text);
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n--- output ---\n" + text);
    }

    /// <summary>Undoes label-value escaping.</summary>
    public static string Unescape(string escaped) =>
        Regex.Replace(escaped, @"\\([\\""n])", m => m.Groups[1].Value == "n" ? "\n" : m.Groups[1].Value);

    /// <summary>Label name → raw (still escaped) value of the first sample line of <paramref name="text"/>.</summary>
    public static Dictionary<string, string> LabelsOfFirstSample(string text)
    {
        var line = text.Split('\n').First(l => l.Length > 0 && !l.StartsWith('#'));
        var labels = Sample().Match(line).Groups[2].Value;
        return Label().Matches(labels).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }
}
