using Ccgw.Core;
using Ccgw.Media.Audio;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// What the gateway says and plays: prompts by id in a leg's codec, the queue announcement ("You are caller number 3.
/// Your estimated waiting time is 2 minutes.") built from the configured parts and spoken numbers, and the prompts
/// for waiting (music on hold, repeated every <see cref="VoiceSettings.AnnounceEvery"/>) and call-backs.
/// </summary>
internal sealed partial class QueueAnnouncer(VoiceSettings settings, PromptLibrary prompts, ILogger log)
{
    public TimeSpan AnnounceEvery => settings.AnnounceEvery;

    public string? MusicOnHold => settings.MusicOnHoldPrompt;

    /// <summary>
    /// What a caller waiting in <paramref name="queueId"/> hears between announcements: the queue's own hold prompt
    /// (<c>Queues[].HoldPrompt</c>), else the site's music on hold. Asked on every loop because overflow can move the
    /// caller to a queue with other music.
    /// </summary>
    public string? HoldMusicFor(string? queueId) =>
        queueId is not null && settings.HoldPrompts.TryGetValue(queueId, out var own) ? own : settings.MusicOnHoldPrompt;

    public string? CallbackGreeting => settings.CallbackGreetingPrompt;

    public string? CallbackAgentPrompt => settings.CallbackAgentPrompt;

    /// <summary>The prompt in <paramref name="codec"/>; null (and a warning) when it has no audio.</summary>
    public AudioPrompt? Prompt(string id, G711Codec codec)
    {
        var prompt = prompts.Get(id, codec);
        if (prompt is null) LogMissingPrompt(log, id);
        return prompt;
    }

    /// <summary>The prompt in <paramref name="codec"/> if it exists, without a warning (optional parts).</summary>
    public AudioPrompt? OptionalPrompt(string id, G711Codec codec) => prompts.Get(id, codec);

    /// <summary>
    /// "You are number 3 in the queue. Your estimated waiting time is 2 minutes." as prompt ids. A part whose prompt
    /// or number is missing is left out rather than mis-spoken; position 0 (not known) leaves the position out.
    /// </summary>
    public IReadOnlyList<string> Announcement(int position, WaitEstimate ewt)
    {
        var s = settings;
        var parts = new List<string>();
        if (position > 0 && s.PositionPrompt is { } pos && prompts.SpeakNumber(position) is { Count: > 0 } number)
        {
            parts.Add(pos);
            parts.AddRange(number);
        }
        if (s.WaitPrompt is { } wait && ewt.Seconds is { } seconds)
        {
            if (seconds < 60 && s.UnderAMinutePrompt is { } under)
            {
                parts.Add(wait);
                parts.Add(under);
            }
            else if (prompts.SpeakNumber((int)Math.Ceiling(seconds / 60)) is { Count: > 0 } minutes && s.MinutesPrompt is { } unit)
            {
                parts.Add(wait);
                parts.AddRange(minutes);
                parts.Add(unit);
            }
        }
        return parts;
    }

    [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "Prompt '{Prompt}' has no audio; skipped")]
    private static partial void LogMissingPrompt(ILogger logger, string prompt);
}
