using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Media.Sdp;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// Hold and resume of a connected call (console "hold"/"resume", applied by the core, followed here): on hold the
/// bridge is taken down, the caller hears the queue's music on hold (the source waiting callers hear) and the agent's
/// phone gets a re-INVITE with a=sendonly (RFC 3264 §8.4, RFC 6337 §5); on resume the music stops, the phone gets a
/// re-INVITE with a=sendrecv and the two legs are bridged again. The caller's own dialog is not re-negotiated: the
/// gateway keeps sending it RTP (the music), which is what a PBX or trunk expects of a held call's far end.
/// </summary>
internal sealed partial class VoiceCall
{
    // One hold or resume at a time: a second re-INVITE must not start while one is pending (RFC 3261 §14.1).
    private readonly SemaphoreSlim _holdTurn = new(1, 1);
    private bool _held;
    private CancellationTokenSource? _holdMusic;
    private Task _holdMusicTask = Task.CompletedTask;

    /// <summary>Whether the agent has the caller on hold (the bridge is down, the caller hears music).</summary>
    public bool IsHeld
    {
        get { lock (_gate) return _held; }
    }

    /// <summary>The bridge between caller and agent is up (connected and not on hold).</summary>
    public bool IsBridged
    {
        get { lock (_gate) return _bridge is not null; }
    }

    /// <summary>The core applied the agent's hold (<paramref name="hold"/>) or resume. Never throws: a failure is logged.</summary>
    public async Task SetHoldAsync(bool hold)
    {
        try
        {
            await _holdTurn.WaitAsync();
            try
            {
                if (hold) await HoldAsync();
                else await ResumeAsync();
            }
            finally
            {
                _holdTurn.Release();
            }
        }
#pragma warning disable CA1031 // A hold that fails must not take the gateway down; the call goes on and ends on BYE.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHoldFailed(_log, Key, hold, e);
        }
    }

    private async Task HoldAsync()
    {
        AgentLeg attempt;
        Media.Transport.RtpRelay? bridge;
        CancellationToken life;
        lock (_gate)
        {
            if (_phase != VoiceCallPhase.Connected || _held || _attempt is not { Leg: not null, Media: not null } connected) return;
            _held = true;
            attempt = connected;
            bridge = _bridge;
            _bridge = null;
            life = _life.Token;
        }
        // Unbridged first: the caller's leg can only play (the music) once the relay no longer owns its stream.
        bridge?.Dispose();
        StartHoldMusic(life);
        var status = await ReInviteAgentAsync(attempt, MediaDirection.SendOnly);
        LogHeld(_log, Key, attempt.AgentId, status);
    }

    private async Task ResumeAsync()
    {
        AgentLeg attempt;
        lock (_gate)
        {
            if (_phase != VoiceCallPhase.Connected || !_held || _attempt is not { Leg: not null, Media: not null } connected) return;
            _held = false;
            attempt = connected;
        }
        await StopHoldMusicAsync();
        var status = await ReInviteAgentAsync(attempt, MediaDirection.SendReceive);
        var bridged = false;
        lock (_gate)
        {
            // The call may have ended (or been held again) while the phone answered the re-INVITE.
            if (_phase == VoiceCallPhase.Connected && !_held && _bridge is null && attempt.Media is { } media)
            {
                _bridge = _callerMedia.BridgeTo(media);
                bridged = true;
            }
        }
        LogResumed(_log, Key, attempt.AgentId, status, bridged);
    }

    /// <summary>
    /// Sends the agent's phone a re-INVITE with our offer in <paramref name="direction"/> and applies its answer; the
    /// final status (408: no answer). A refused re-INVITE leaves the media as it was: the gateway's side of hold (no
    /// bridge, music for the caller) does not depend on the phone agreeing.
    /// </summary>
    private async Task<int> ReInviteAgentAsync(AgentLeg attempt, MediaDirection direction)
    {
        if (attempt.Leg is not { } leg || attempt.Media is not { } media) return 481;
        var outcome = await leg.ReInviteAsync(media.CreateReOffer(direction).ToString());
        if (outcome.Answered && outcome.AnswerSdp is { } sdp && SipSignalling.TryParseSdp(sdp, out var answer)
            && !media.TryAcceptAnswer(answer, out var failure))
            LogReInviteAnswerRefused(_log, Key, failure);
        return outcome.StatusCode;
    }

    private void StartHoldMusic(CancellationToken life)
    {
        if (_parts.Announcer.HoldMusicFor(_queueId) is not { } id || Prompt(id) is not { } music) return;
        var stop = CancellationTokenSource.CreateLinkedTokenSource(life);
        lock (_gate)
        {
            _holdMusic = stop;
            _holdMusicTask = PlayHoldMusicAsync(music, stop.Token);
        }
    }

    private async Task PlayHoldMusicAsync(AudioPrompt music, CancellationToken ct)
    {
        try
        {
            await _callerMedia.PlayOnHoldAsync(music, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException) when (ct.IsCancellationRequested)
        {
            // Resumed (bridged again) or hung up as the music was starting: the relay or the end owns the stream now.
        }
    }

    /// <summary>Stops the music on hold (resume, hang-up) and waits until the caller's stream is free.</summary>
    private async Task StopHoldMusicAsync()
    {
        CancellationTokenSource? music;
        Task task;
        lock (_gate)
        {
            music = _holdMusic;
            task = _holdMusicTask;
            _holdMusic = null;
            _holdMusicTask = Task.CompletedTask;
        }
        if (music is null) return;
        await music.CancelAsync();
        await task;
        music.Dispose();
    }

    [LoggerMessage(EventId = 19500, Level = LogLevel.Information, Message = "Call {Call}: agent {Agent} put the caller on hold (music on hold; the phone's re-INVITE a=sendonly got {Status})")]
    private static partial void LogHeld(ILogger logger, string call, string agent, int status);

    [LoggerMessage(EventId = 19501, Level = LogLevel.Information, Message = "Call {Call}: agent {Agent} resumed the caller (re-INVITE a=sendrecv got {Status}; bridged again: {Bridged})")]
    private static partial void LogResumed(ILogger logger, string call, string agent, int status, bool bridged);

    [LoggerMessage(EventId = 19502, Level = LogLevel.Warning, Message = "Call {Call}: the agent's phone answered the hold/resume re-INVITE with SDP we refuse ({Why}); media left as it was")]
    private static partial void LogReInviteAnswerRefused(ILogger logger, string call, string why);

    [LoggerMessage(EventId = 19503, Level = LogLevel.Error, Message = "Call {Call}: hold (true) or resume (false) {Hold} failed; the call goes on")]
    private static partial void LogHoldFailed(ILogger logger, string call, bool hold, Exception exception);
}
