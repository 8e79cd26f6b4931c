namespace Ccgw.Mqtt;

/// <summary>Retained messages by topic (§3.3.1.3), bounded in count. Used under the broker lock.</summary>
internal sealed class RetainedMessageStore(int capacity)
{
    private readonly Dictionary<string, MqttApplicationMessage> _messages = new(StringComparer.Ordinal);

    public int Count => _messages.Count;

    /// <summary>Stores, replaces, or (for an empty payload) clears; false when full and the topic is new.</summary>
    public bool Apply(MqttApplicationMessage message)
    {
        if (message.Payload.IsEmpty)
        {
            _messages.Remove(message.Topic);
            return true;
        }
        if (_messages.Count >= capacity && !_messages.ContainsKey(message.Topic)) return false;
        _messages[message.Topic] = message;
        return true;
    }

    /// <summary>Retained messages matching <paramref name="filter"/>; expired ones are removed on the way.</summary>
    public List<MqttApplicationMessage> Matching(string filter, DateTimeOffset now)
    {
        var result = new List<MqttApplicationMessage>();
        List<string>? expired = null;
        foreach (var (topic, message) in _messages)
        {
            if (message.IsExpired(now)) (expired ??= []).Add(topic);
            else if (MqttTopic.Matches(filter, topic)) result.Add(message);
        }
        if (expired is not null) foreach (var topic in expired) _messages.Remove(topic);
        return result;
    }
}
