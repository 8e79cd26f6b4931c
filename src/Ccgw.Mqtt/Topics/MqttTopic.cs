namespace Ccgw.Mqtt;

/// <summary>Topic names and topic filters (MQTT 5.0 §4.7, 3.1.1 §4.7).</summary>
internal static class MqttTopic
{
    /// <summary>Prefix of shared subscriptions (§4.8.2).</summary>
    public const string SharedSubscriptionPrefix = "$share/";

    /// <summary>A topic name: at least one character, no wildcards [MQTT-4.7.3-1, MQTT-3.3.2-2].</summary>
    public static bool IsValidTopicName(ReadOnlySpan<char> topic) =>
        !topic.IsEmpty && topic.IndexOfAny('+', '#', '\0') < 0;

    /// <summary>
    /// A topic filter: '#' only as the whole last level, '+' only as a whole level
    /// [MQTT-4.7.1-1, MQTT-4.7.1-2, MQTT-4.7.3-1].
    /// </summary>
    public static bool IsValidTopicFilter(ReadOnlySpan<char> filter)
    {
        if (filter.IsEmpty || filter.Contains('\0')) return false;
        var rest = filter;
        while (true)
        {
            var slash = rest.IndexOf('/');
            var level = slash < 0 ? rest : rest[..slash];
            if (level.Length > 1 && level.IndexOfAny('+', '#') >= 0) return false;
            if (level is "#" && slash >= 0) return false;
            if (slash < 0) return true;
            rest = rest[(slash + 1)..];
        }
    }

    public static bool IsSharedSubscription(string filter) => filter.StartsWith(SharedSubscriptionPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Splits <c>$share/{ShareName}/{filter}</c> (§4.8.2): the share name is at least one character without
    /// '/', '+' or '#' [MQTT-4.8.2-1, MQTT-4.8.2-2], and a valid topic filter follows its '/'.
    /// False for anything else, including a filter that only starts like a shared one.
    /// </summary>
    public static bool TryParseShared(string filter, out string shareName, out string topicFilter)
    {
        shareName = topicFilter = "";
        if (!IsSharedSubscription(filter)) return false;
        var rest = filter.AsSpan(SharedSubscriptionPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0) return false;
        var name = rest[..slash];
        var underlying = rest[(slash + 1)..];
        if (name.IndexOfAny('+', '#', '\0') >= 0 || !IsValidTopicFilter(underlying)) return false;
        shareName = name.ToString();
        topicFilter = underlying.ToString();
        return true;
    }

    /// <summary>Whether a valid filter matches a valid topic name, with the '$' rule of §4.7.2.</summary>
    public static bool Matches(ReadOnlySpan<char> filter, ReadOnlySpan<char> topic)
    {
        if (topic.Length > 0 && topic[0] == '$' && filter.Length > 0 && filter[0] is '+' or '#') return false;
        while (true)
        {
            var fSlash = filter.IndexOf('/');
            var fLevel = fSlash < 0 ? filter : filter[..fSlash];
            if (fLevel is "#") return true;
            var tSlash = topic.IndexOf('/');
            var tLevel = tSlash < 0 ? topic : topic[..tSlash];
            if (fLevel is not "+" && !fLevel.SequenceEqual(tLevel)) return false;
            if (fSlash < 0 || tSlash < 0)
            {
                if (fSlash < 0 && tSlash < 0) return true;
                // "a/#" also matches "a": the filter may continue with exactly "/#" [MQTT-4.7.1-2].
                return tSlash < 0 && filter[(fSlash + 1)..] is "#";
            }
            filter = filter[(fSlash + 1)..];
            topic = topic[(tSlash + 1)..];
        }
    }

    /// <summary>
    /// Whether every topic <paramref name="filter"/> can match is also matched by <paramref name="allowed"/>,
    /// which lets an ACL grant a subscription without checking each message later.
    /// </summary>
    public static bool IsCoveredBy(ReadOnlySpan<char> filter, ReadOnlySpan<char> allowed)
    {
        if (filter.Length > 0 && filter[0] == '$' && allowed.Length > 0 && allowed[0] is '+' or '#') return false;
        while (true)
        {
            var aSlash = allowed.IndexOf('/');
            var aLevel = aSlash < 0 ? allowed : allowed[..aSlash];
            if (aLevel is "#") return true;
            var fSlash = filter.IndexOf('/');
            var fLevel = fSlash < 0 ? filter : filter[..fSlash];
            if (fLevel is "#") return false;
            if (aLevel is not "+" && (fLevel is "+" || !fLevel.SequenceEqual(aLevel))) return false;
            if (fSlash < 0 || aSlash < 0)
            {
                if (fSlash < 0 && aSlash < 0) return true;
                return fSlash < 0 && allowed[(aSlash + 1)..] is "#";
            }
            filter = filter[(fSlash + 1)..];
            allowed = allowed[(aSlash + 1)..];
        }
    }
}
