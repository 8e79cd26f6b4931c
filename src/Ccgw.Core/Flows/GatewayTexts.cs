using System.Collections.Frozen;
using System.Text;

namespace Ccgw.Core.Flows;

/// <summary>One of the gateway's own sentences: its name (the key under <c>Im:Texts</c>), the English default, and the placeholders it may use.</summary>
public sealed record GatewayTextDefinition(string Name, string Default, params string[] Placeholders);

/// <summary>
/// The sentences the gateway writes itself in text channels (the IM bot's notices, waits, call-back dialogue, the
/// agent's offer line): a flow's prompts come from configuration, and so can these, so that a site that does not speak
/// English is not left with English in every chat. Templates name their values in braces (<c>{queue}</c>); a
/// template is checked once, at configuration time (<see cref="Check"/>), and filled per message.
/// </summary>
public sealed class GatewayTexts
{
    public static IReadOnlyList<GatewayTextDefinition> Definitions { get; } =
    [
        new("AgentJoined", "An agent has joined the chat."),
        new("AgentLeft", "The agent has left the chat. Thank you for contacting us."),
        new("ChatEnded", "The chat has ended. Thank you for contacting us."),
        new("CustomerLeft", "The customer has left the chat."),
        new("OfferWithdrawn", "This chat is no longer offered to you."),
        new("ChatClosed", "This chat has ended."),
        new("Transferred", "This chat was transferred."),
        new("BeingTransferred", "You are being transferred; another agent will join the chat."),
        new("AskPhone", "Please reply with the phone number we should call, with the country code (for example +4930123456)."),
        new("PhoneInvalid", "That does not look like a phone number. Please write it with the country code, for example +4930123456."),
        new("PhoneGiveUp", "Sorry, we could not take a phone number. Please write to us again any time."),
        new("CallbackFailed", "Sorry, the call-back could not be booked right now. You can stay in this chat and wait for an agent."),
        new("CallbackFormTitle", "Call-back"),
        new("CallbackFormField", "Phone number, with the country code"),
        new("WaitUnknown", "No agent is available at the moment."),
        new("WaitUnderAMinute", "The estimated wait is less than a minute."),
        new("WaitOneMinute", "The estimated wait is about 1 minute."),
        new("WaitMinutes", "The estimated wait is about {minutes} minutes.", "minutes"),
        new("QueuePosition", "You are number {position} in the queue.", "position"),
        new("AlertUnderAMinute", "The wait for {queue} is now less than a minute. Write to us here to be connected.", "queue"),
        new("AlertOneMinute", "The wait for {queue} is now about 1 minute. Write to us here to be connected.", "queue"),
        new("AlertMinutes", "The wait for {queue} is now about {minutes} minutes. Write to us here to be connected.", "queue", "minutes"),
        new("CallbackOffer", "To be called back instead, reply with your phone number (for example +4930123456), or stay in this chat to wait for an agent."),
        new("CallbackOfferKnownPhone", "To be called back instead on {phone}, reply \"call back\" (or another number), or stay in this chat to wait for an agent.", "phone"),
        new("CallbackBooked", "Thank you. We will call you back on {phone} as soon as an agent is free.", "phone"),
        new("QueueGreeting", "Welcome to {queue}. You will be connected to an agent.", "queue"),
        new("Guest", "a guest"),
        new("CallbackYesWords", "yes, y, ok, callback, call back, call me back, 9"),
        new("Offer", "New chat in {queue} from {who} (waited {seconds} s). Reply here to accept it.", "queue", "who", "seconds"),
        new("OfferClient", "Their client: {client}.", "client"),
    ];

    private static readonly FrozenDictionary<string, GatewayTextDefinition> ByName =
        Definitions.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    private readonly FrozenDictionary<string, string> _templates;

    /// <summary>The defaults with <paramref name="overrides"/> (name to template) applied; each must pass <see cref="Check"/>.</summary>
    public GatewayTexts(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var templates = Definitions.ToDictionary(d => d.Name, d => d.Default, StringComparer.Ordinal);
        foreach (var (name, template) in overrides ?? FrozenDictionary<string, string>.Empty)
        {
            if (Check(name, template) is { } problem) throw new ArgumentException($"text {name}: {problem}", nameof(overrides));
            templates[name] = template;
        }
        _templates = templates.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The English defaults.</summary>
    public static GatewayTexts English { get; } = new();

    /// <summary>The text <paramref name="name"/>, its placeholders filled from <paramref name="values"/> (name, value pairs).</summary>
    public string Get(string name, params ReadOnlySpan<(string Placeholder, string Value)> values)
    {
        var template = _templates[name];
        if (values.IsEmpty || template.IndexOf('{', StringComparison.Ordinal) < 0) return template;
        var text = new StringBuilder(template.Length + 32);
        var rest = template.AsSpan();
        while (rest.IndexOf('{') is var open and >= 0)
        {
            text.Append(rest[..open]);
            var close = rest[open..].IndexOf('}');
            var placeholder = rest.Slice(open + 1, close - 1);
            var filled = false;
            foreach (var (key, value) in values)
                if (placeholder.SequenceEqual(key))
                {
                    text.Append(value);
                    filled = true;
                    break;
                }
            if (!filled) text.Append(rest.Slice(open, close + 1));
            rest = rest[(open + close + 1)..];
        }
        return text.Append(rest).ToString();
    }

    /// <summary>
    /// Null when <paramref name="template"/> may be used for text <paramref name="name"/>; otherwise what is wrong, for
    /// a configuration message: an unknown name, an empty text, an unclosed brace or a placeholder the text does not have.
    /// </summary>
    public static string? Check(string name, string? template)
    {
        if (!ByName.TryGetValue(name, out var definition))
            return $"not a text the gateway writes; use one of: {string.Join(", ", Definitions.Select(d => d.Name))}";
        if (string.IsNullOrWhiteSpace(template)) return "empty; leave the key out to keep the default";
        var rest = template.AsSpan();
        while (rest.IndexOfAny('{', '}') is var at and >= 0)
        {
            if (rest[at] == '}') return "a '}' without its '{'";
            var close = rest[at..].IndexOf('}');
            if (close < 0) return "a '{' without its '}'";
            var placeholder = rest.Slice(at + 1, close - 1).ToString();
            if (!definition.Placeholders.Contains(placeholder, StringComparer.Ordinal))
                return definition.Placeholders.Length == 0
                    ? $"{{{placeholder}}} is not a value of this text, which has none"
                    : $"{{{placeholder}}} is not a value of this text; use {string.Join(", ", definition.Placeholders.Select(p => "{" + p + "}"))}";
            rest = rest[(at + close + 1)..];
        }
        return null;
    }
}
