using System.Text;

namespace Ccgw.Prometheus;

/// <summary>The rendered label pairs of one series, e.g. <c>method="INVITE",code="200"</c>, as UTF-8.</summary>
internal sealed class LabelSet
{
    public static readonly LabelSet Empty = new([]);

    private LabelSet(byte[] utf8) => Utf8 = utf8;

    /// <summary>Label pairs without braces; empty when the series has no labels.</summary>
    public byte[] Utf8 { get; }

    /// <summary>
    /// Sanitises names and escapes values. Tags whose sanitised names collide are merged into one label with
    /// the values joined by <c>;</c> (in ordinal order of the original names), because duplicate label names
    /// make the whole scrape invalid. Histogram tags named <c>le</c> are renamed <c>le_</c> since <c>le</c> is the bucket label.
    /// </summary>
    public static LabelSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags, MetricKind kind)
    {
        if (tags.IsEmpty) return Empty;
        var labels = new List<(string Name, string Original, string Value)>(tags.Length);
        foreach (var tag in tags)
        {
            var name = MetricNaming.SanitizeLabelName(tag.Key);
            if (kind == MetricKind.Histogram && name == "le") name = "le_";
            labels.Add((name, tag.Key, TagText.Format(tag.Value)));
        }
        labels.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Original, b.Original);
        });

        var text = new StringBuilder();
        for (var i = 0; i < labels.Count; i++)
        {
            if (i > 0 && labels[i].Name == labels[i - 1].Name)
            {
                text.Length -= 1; // reopen the previous value
                text.Append(';').Append(MetricNaming.EscapeLabelValue(labels[i].Value)).Append('"');
                continue;
            }
            if (text.Length > 0) text.Append(',');
            text.Append(labels[i].Name).Append("=\"").Append(MetricNaming.EscapeLabelValue(labels[i].Value)).Append('"');
        }
        return new LabelSet(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
