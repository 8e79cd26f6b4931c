using System.Threading.Channels;
using Ccgw.Core.Repositories;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// The automated IVR call-back (issue 18, medium <see cref="HelpMedium.Ivr"/>) between the scheduler and the voice
/// adapter. A due IVR call-back is not handed to the core (no agent is wanted yet): <see cref="CallbackDispatcher"/>
/// writes a <see cref="IvrCallbackStart"/> here, the voice adapter reads it, dials the customer and runs the topic's flow
/// (<c>SelfHelp:TopicFlows</c>) on the answered leg; if the flow queues, the adapter submits the call-back to the core
/// (same id, channel callback) and from then on the core's events carry its outcome as for a voice call-back; otherwise
/// it writes an <see cref="IvrCallbackReport"/> back, which the scheduler applies in its own loop (the dispatcher is
/// single-threaded). Both queues are bounded: the dispatcher never has more than <see cref="MaxInFlight"/> IVR attempts
/// in flight, and each has at most one start and one report.
/// </summary>
public sealed class IvrCallbacks
{
    /// <summary>Most automated call-backs in flight at once; due ones beyond wait for the next poll.</summary>
    public const int MaxInFlight = 1024;

    private readonly Dictionary<string, string> _flows;
    private readonly Channel<IvrCallbackStart> _starts = Channel.CreateBounded<IvrCallbackStart>(
        new BoundedChannelOptions(MaxInFlight) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<IvrCallbackReport> _reports = Channel.CreateBounded<IvrCallbackReport>(
        new BoundedChannelOptions(MaxInFlight) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <param name="topicFlows">Topic (queue id, case-insensitive) to flow id: SelfHelp:TopicFlows.</param>
    public IvrCallbacks(IReadOnlyDictionary<string, string> topicFlows) =>
        _flows = new Dictionary<string, string>(topicFlows, StringComparer.OrdinalIgnoreCase);

    /// <summary>The flow an automated call-back for this topic runs; null when the topic has none.</summary>
    public string? FlowFor(string queueId) => _flows.GetValueOrDefault(queueId);

    /// <summary>What the voice adapter reads: attempts to dial.</summary>
    public ChannelReader<IvrCallbackStart> Starts => _starts.Reader;

    /// <summary>What the scheduler reads: attempts that ended without reaching the core.</summary>
    public ChannelReader<IvrCallbackReport> Reports => _reports.Reader;

    /// <summary>False only when the queue is full, which the dispatcher's in-flight cap prevents.</summary>
    public bool Start(IvrCallbackStart start) => _starts.Writer.TryWrite(start);

    /// <summary>The voice adapter's answer for one attempt; never lost (at most one per attempt in flight).</summary>
    public bool Report(IvrCallbackReport report) => _reports.Writer.TryWrite(report);
}

/// <summary>An attempt to dial: the row as its attempt recorded it, the flow to run and the interaction to submit if it queues.</summary>
public sealed record IvrCallbackStart(CallbackRequest Attempt, string FlowId, InteractionRequest Request);

/// <summary>How an automated call-back attempt ended before (or instead of) reaching an agent.</summary>
public enum IvrCallbackResult
{
    /// <summary>Not reached (busy, no answer, failed): <see cref="IvrCallbackReport.Reason"/> is the core's failure reason, retried as for voice.</summary>
    NotReached,

    /// <summary>The flow ended (the customer was helped by it): the call-back is done, outcome <c>self-served</c>.</summary>
    SelfServed,

    /// <summary>Reached, then gone (hung up, silent, too long) before the flow ended: done, outcome <c>abandoned</c>.</summary>
    Abandoned,
}

/// <param name="Reason">The failure reason, or the flow's end reason (e.g. <c>hangup</c>) for <see cref="IvrCallbackResult.SelfServed"/>.</param>
public sealed record IvrCallbackReport(string Id, IvrCallbackResult Result, string Reason, DateTimeOffset At);
