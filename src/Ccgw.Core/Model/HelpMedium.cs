namespace Ccgw.Core;

/// <summary>
/// How the customer chose to be helped (issue 18). <see cref="Voice"/> (an agent calls back, the default and what every
/// call-back before this was), <see cref="Ivr"/> (the dialler calls and runs the topic's flow), <see cref="Email"/> (an
/// agent answers by e-mail): these three are call-backs in the list. <see cref="ChatNow"/> points to the chat window and
/// <see cref="Documents"/> lists the topic's documents: neither creates a call-back.
/// </summary>
public enum HelpMedium
{
    Voice,
    Ivr,
    Email,
    ChatNow,
    Documents,
}

/// <summary>The wire names of <see cref="HelpMedium"/> (form values, JSON, the MQTT offer, the database column).</summary>
public static class HelpMediums
{
    /// <summary>Every medium in the order the help form lists them.</summary>
    public static readonly IReadOnlyList<HelpMedium> All = [HelpMedium.Voice, HelpMedium.Ivr, HelpMedium.Email, HelpMedium.ChatNow, HelpMedium.Documents];

    public static string Name(HelpMedium medium) => medium switch
    {
        HelpMedium.Voice => "voice",
        HelpMedium.Ivr => "ivr",
        HelpMedium.Email => "email",
        HelpMedium.ChatNow => "chat-now",
        HelpMedium.Documents => "documents",
        _ => throw new ArgumentOutOfRangeException(nameof(medium), medium, null),
    };

    /// <summary>Case-insensitive wire name to medium; false for anything else (including null).</summary>
    public static bool TryParse(string? text, out HelpMedium medium)
    {
        foreach (var m in All)
            if (string.Equals(Name(m), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                medium = m;
                return true;
            }
        medium = HelpMedium.Voice;
        return false;
    }

    /// <summary>A stored value; anything unknown (a newer version's value) reads as voice, what every old row is.</summary>
    public static HelpMedium Read(string? stored) => TryParse(stored, out var m) ? m : HelpMedium.Voice;

    /// <summary>Whether the medium is served through the call-back list (dialled or answered later) rather than on the page.</summary>
    public static bool IsCallback(HelpMedium medium) => medium is HelpMedium.Voice or HelpMedium.Ivr or HelpMedium.Email;
}
