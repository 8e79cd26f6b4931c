using System.Collections.Frozen;

namespace Ccgw.Core.Callbacks;

/// <summary>How a due call-back is dialled (the voice adapter reads it for the queue of an offered call-back).</summary>
public enum CallbackDialMode
{
    /// <summary>Offer to an agent with the screen pop; on accept ring the agent, then the customer.</summary>
    AgentFirst,

    /// <summary>Ring the customer; on answer announce and route to the next agent.</summary>
    CustomerFirst,
}

/// <summary>
/// A queue's call-back settings, protocol-neutral: the web API and scheduler apply them, the voice adapter reads
/// <see cref="Mode"/>. <see cref="SlotLength"/>/<see cref="MaxPerSlot"/> cap how many call-backs are scheduled per time
/// slot (null: no cap); <see cref="Window"/> is how far ahead a customer may book.
/// </summary>
public sealed record CallbackQueuePolicy(
    string QueueId,
    string DisplayName,
    CallbackDialMode Mode = CallbackDialMode.AgentFirst,
    TimeSpan? SlotLength = null,
    int? MaxPerSlot = null,
    TimeSpan? Window = null,
    int MaxAttempts = 3,
    TimeSpan? RetryBackoff = null)
{
    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromDays(7);

    /// <summary>The dial-out policy of the trunk this queue's call-backs go out through (checked at intake and before dialling).</summary>
    public DialOut.DialOutPolicy DialOut { get; init; } = Callbacks.DialOut.DialOutPolicy.Open;

    public static TimeSpan DefaultRetryBackoff { get; } = TimeSpan.FromMinutes(2);

    public TimeSpan BookingWindow => Window ?? DefaultWindow;

    public bool HasSlotCap => SlotLength is { } l && l > TimeSpan.Zero && MaxPerSlot is not null;

    /// <summary>The slot length used for cap counting and for the times the help page offers (15 minutes without a cap).</summary>
    public TimeSpan EffectiveSlotLength => SlotLength is { } l && l > TimeSpan.Zero ? l : TimeSpan.FromMinutes(15);

    /// <summary>Start of the slot holding <paramref name="at"/> (slots are aligned to the Unix epoch, UTC).</summary>
    public DateTimeOffset SlotStart(DateTimeOffset at)
    {
        var ticks = EffectiveSlotLength.Ticks;
        var utc = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + utc - (((utc % ticks) + ticks) % ticks), TimeSpan.Zero);
    }

    /// <summary>Back-off before attempt <paramref name="attemptsMade"/>+1: the base doubled per failed attempt, at most 8×.</summary>
    public TimeSpan BackoffAfter(int attemptsMade) =>
        (RetryBackoff ?? DefaultRetryBackoff) * Math.Pow(2, Math.Clamp(attemptsMade - 1, 0, 3));
}

/// <summary>Every queue's call-back policy by queue id (ordinal; queue ids are lower-case identifiers).</summary>
public sealed class CallbackPolicies
{
    private readonly FrozenDictionary<string, CallbackQueuePolicy> _byQueue;

    public CallbackPolicies(IEnumerable<CallbackQueuePolicy> policies)
    {
        Queues = [.. policies];
        _byQueue = Queues.ToFrozenDictionary(p => p.QueueId, StringComparer.Ordinal);
    }

    /// <summary>In configuration order (the order the help page lists topics).</summary>
    public IReadOnlyList<CallbackQueuePolicy> Queues { get; }

    public CallbackQueuePolicy? Find(string queueId) => _byQueue.GetValueOrDefault(queueId);

    /// <summary>The dial mode for a queue; agent-first for a queue without call-back settings.</summary>
    public CallbackDialMode ModeFor(string queueId) => Find(queueId)?.Mode ?? CallbackDialMode.AgentFirst;
}
