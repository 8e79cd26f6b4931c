using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Flows;
using Ccgw.Media;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>An automated call-back's flow: what to run on the answered leg, where to report, and the interaction to submit if it queues.</summary>
internal sealed record IvrCallbackRun(IvrCallbacks Hub, FlowDefinition Flow, string FlowId, InteractionRequest Request);

/// <summary>
/// The automated IVR call-back (issue 18, medium <c>ivr</c>): the customer is dialled without an agent (same trunk, dial-out
/// policy, durable "dialling" mark and watch as a voice call-back) and, once answered, hears the topic's flow exactly as an
/// inbound caller hears their DID's flow (<see cref="FlowPlayer"/>: prompts, barge-in, digits by RFC 4733 or SIP INFO).
/// If the flow queues, the call-back is submitted to the core (its own id, channel callback) with the customer on the line
/// and music on hold, and from then on it is a customer-first call-back whose customer has answered: the core's offer
/// rings the agent and bridges. Until then the core does not know it, so its outcomes go back to the scheduler through
/// <see cref="IvrCallbacks"/> rather than to the core.
/// </summary>
internal sealed partial class CallbackCall
{
    private readonly IvrCallbackRun? _ivr;

    /// <summary>Set (under <see cref="_gate"/>) when the flow queued it: from then on the core owns its outcome.</summary>
    private bool _ivrQueued;

    /// <summary>The queue the flow put the customer in (set under <see cref="_gate"/>); null before, and for a voice call-back.</summary>
    private string? _ivrQueueId;

    /// <summary>Where a customer on the line goes back to when an agent's leg fails: the flow's queue, else the call-back's.</summary>
    private string WaitingQueue
    {
        get { lock (_gate) return _ivrQueueId ?? _interaction.QueueId; }
    }

    /// <summary>An automated call-back whose outcome is not the core's yet (read under <see cref="_gate"/>).</summary>
    private bool OutsideCore => _ivr is not null && !_ivrQueued;

    /// <summary>Dials the customer and runs the flow; called once, by the gateway, for an automated call-back.</summary>
    public void StartIvr()
    {
        lock (_gate) _customerStarted = true;
        _ = GuardedAsync(RunIvrAsync);
    }

    private async Task RunIvrAsync()
    {
        var run = _ivr!;
        if (!await DialCustomerAsync()) return;
        CallMedia media;
        lock (_gate)
        {
            if (_phase != CallbackCallPhase.DiallingCustomer || _customerMedia is null) return;
            _phase = CallbackCallPhase.RunningFlow;
            media = _customerMedia;
        }
        LogIvrFlow(_log, Id, run.FlowId);
        var player = new FlowPlayer(media, _parts.Announcer, _parts.Time);
        var flow = new FlowRun(run.Flow);
        var ct = _life.Token;
        try
        {
            var directive = flow.Start();
            while (!ct.IsCancellationRequested)
            {
                switch (directive)
                {
                    case AwaitInput ask:
                        var digit = await player.PromptAndReadDigitAsync(ask.Prompts, ask.Expect.Timeout, ct);
                        directive = (digit is { } d ? flow.Digit(d) : flow.Timeout()) ?? directive;
                        break;
                    case EnterQueue queue:
                        await player.PlayAsync(queue.Prompts, ct);
                        if (await EnqueueIvrAsync(queue, media, ct)) return;
                        directive = flow.Continue() ?? new EndConversation([], "hangup");
                        break;
                    case RequestCallback callback:
                        // This is already a call-back: nothing more to book; the flow's words are played and it goes on.
                        await player.PlayAsync(callback.Prompts, ct);
                        directive = flow.Continue() ?? new EndConversation([], "hangup");
                        break;
                    case EndConversation end:
                        await player.PlayAsync(end.Prompts, ct);
                        await HangupAsync(CallbackEnd.FlowEnded, end.Reason);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The flow queued the customer: music on hold first (so nobody hears silence while routing runs), then the core gets
    /// the call-back in the flow's queue with what the flow collected. False when the core refused the queue (the flow goes on).
    /// </summary>
    private async Task<bool> EnqueueIvrAsync(EnterQueue queue, CallMedia media, CancellationToken ct)
    {
        var run = _ivr!;
        lock (_gate)
        {
            if (_phase != CallbackCallPhase.RunningFlow) return true;
            _ivrQueued = true;
            _ivrQueueId = queue.QueueId;
            _phase = CallbackCallPhase.CustomerWaiting;
            _customerAudio = Play(media, [], _parts.Announcer.HoldMusicFor(queue.QueueId), ct);
        }
        try
        {
            await _parts.Engine.SubmitInteractionAsync(run.Request with
            {
                QueueId = queue.QueueId,
                Product = queue.Product ?? run.Request.Product,
                Variables = queue.Variables.Count > 0 ? queue.Variables : run.Request.Variables,
            }, ct);
        }
        catch (ArgumentException e)
        {
            lock (_gate)
            {
                _ivrQueued = false;
                _ivrQueueId = null;
                if (_phase == CallbackCallPhase.CustomerWaiting) _phase = CallbackCallPhase.RunningFlow;
            }
            await StopPlaybackAsync();
            LogIvrQueueRefused(_log, Id, queue.QueueId, e.Message);
            return false;
        }
        LogIvrQueued(_log, Id, queue.QueueId);
        return true;
    }

    /// <summary>How an automated call-back that never reached the core ended, for the scheduler (not retried once answered).</summary>
    private void ReportIvr(CallbackEnd end, string? reason, bool answered)
    {
        var at = _parts.Time.GetUtcNow();
        var report = end switch
        {
            CallbackEnd.FlowEnded => new IvrCallbackReport(Id, IvrCallbackResult.SelfServed, reason ?? "hangup", at),
            CallbackEnd.Failure when !answered => new IvrCallbackReport(Id, IvrCallbackResult.NotReached, reason ?? "failed", at),
            CallbackEnd.CustomerHungUp => new IvrCallbackReport(Id, IvrCallbackResult.Abandoned, "customer hung up", at),
            _ => new IvrCallbackReport(Id, IvrCallbackResult.Abandoned, reason ?? "ended", at),
        };
        if (!_ivr!.Hub.Report(report)) LogIvrReportLost(_log, Id, report.Result);
    }

    [LoggerMessage(EventId = 18310, Level = LogLevel.Information, Message = "Call-back {Callback}: answered; running flow {Flow} (automated call-back)")]
    private static partial void LogIvrFlow(ILogger logger, string callback, string flow);

    [LoggerMessage(EventId = 18311, Level = LogLevel.Information, Message = "Call-back {Callback}: the flow queued it in {Queue}; waiting for an agent")]
    private static partial void LogIvrQueued(ILogger logger, string callback, string queue);

    [LoggerMessage(EventId = 18312, Level = LogLevel.Warning, Message = "Call-back {Callback}: queue {Queue} refused it ({Why}); the flow goes on")]
    private static partial void LogIvrQueueRefused(ILogger logger, string callback, string queue, string why);

    [LoggerMessage(EventId = 18313, Level = LogLevel.Error, Message = "Call-back {Callback}: the scheduler's report queue is full; outcome {Result} not recorded (the row stays in flight until restart recovery)")]
    private static partial void LogIvrReportLost(ILogger logger, string callback, IvrCallbackResult result);
}
