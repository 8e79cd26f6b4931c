using Ccgw.Sip.Dialogs;

namespace Ccgw.Voice;

/// <summary>Why <see cref="SessionKeeper"/> gave a dialog up.</summary>
internal enum SessionLoss
{
    /// <summary>RFC 4028 §10: no refresh by the session's expiry (the peer was the refresher, or our refreshes failed).</summary>
    SessionExpired,

    /// <summary>Our refresh or probe got 481 or 408, or no answer at all (the transaction timed out): the dialog is gone.</summary>
    DialogGone,
}

/// <summary>What the keeper sends in the dialog: a session refresh, or a probe. Completes with the final status, null on timeout.</summary>
internal interface ISessionPeer
{
    Task<int?> RefreshAsync(SessionTimerAgreement agreement);

    Task<int?> ProbeAsync();
}

/// <summary>
/// Keeps asking whether a dialog's peer is still there (issue 16, sessions), on the injected clock, in one of three ways:
/// <list type="bullet">
/// <item>RFC 4028 with the peer as refresher: each refresh it sends (<see cref="PeerRefreshed"/>) restarts the clock; none
/// by the interval minus min(32 s, interval/3) (§10) ends the session.</item>
/// <item>RFC 4028 with us as refresher: a refresh at half the interval (§10); a 2xx restarts the clock, 408/481 or a
/// timeout mean the dialog is gone (§10: "the UAC sends a BYE"), any other answer leaves it to expire.</item>
/// <item>No session timer: an in-dialog OPTIONS every <c>probeEvery</c> (the fallback ccgw offers, as Kamailio's dialog
/// keep-alives and FreeSWITCH's OPTIONS pings do); 408/481 or a timeout mean the dialog is gone, any other answer
/// (even 405/501) shows the peer still holds it.</item>
/// </list>
/// The caller decides how the call ends; this type only times and asks.
/// </summary>
internal sealed class SessionKeeper
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _probeEvery;
    private readonly Lock _gate = new();
    private SessionTimerAgreement? _agreement;
    private long _refreshedAt;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SessionKeeper(TimeProvider time, SessionTimerAgreement? agreement, TimeSpan probeEvery)
    {
        _time = time;
        _agreement = agreement;
        _probeEvery = probeEvery;
        _refreshedAt = time.GetTimestamp();
    }

    /// <summary>True when there is anything to keep: a session timer, or probing switched on.</summary>
    public bool Active
    {
        get { lock (_gate) return _agreement is not null || _probeEvery > TimeSpan.Zero; }
    }

    public SessionTimerAgreement? Agreement
    {
        get { lock (_gate) return _agreement; }
    }

    /// <summary>The peer refreshed the session (a re-INVITE or UPDATE we answered 2xx), perhaps renegotiating it.</summary>
    public void PeerRefreshed(SessionTimerAgreement? renewed) => Refreshed(renewed, _time.GetTimestamp());

    private void Refreshed(SessionTimerAgreement? renewed, long at)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (renewed is not null) _agreement = renewed;
            _refreshedAt = at;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Runs until the dialog is lost (the reason) or <paramref name="ct"/> is cancelled (null).</summary>
    public async Task<SessionLoss?> RunAsync(ISessionPeer peer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(peer);
        try
        {
            var lastProbe = _time.GetTimestamp();
            long? refreshedFor = null; // the period (its start) our last refresh was sent in
            while (!ct.IsCancellationRequested)
            {
                SessionTimerAgreement? agreement;
                long since;
                Task changed;
                lock (_gate)
                {
                    agreement = _agreement;
                    since = _refreshedAt;
                    changed = _changed.Task;
                }
                var elapsed = _time.GetElapsedTime(since);
                if (agreement is null)
                {
                    if (_probeEvery <= TimeSpan.Zero) return null;
                    var wait = _probeEvery - _time.GetElapsedTime(lastProbe);
                    if (wait > TimeSpan.Zero)
                    {
                        await WaitAsync(wait, changed, ct);
                        continue;
                    }
                    lastProbe = _time.GetTimestamp();
                    if (Gone(await peer.ProbeAsync())) return SessionLoss.DialogGone;
                    continue;
                }
                if (agreement.Refresher == SessionRefresher.Uac)
                {
                    var left = agreement.ExpiresAfter - elapsed;
                    if (left <= TimeSpan.Zero) return SessionLoss.SessionExpired;
                    await WaitAsync(left, changed, ct);
                    continue;
                }
                // We refresh: at half the interval, once per period; after an answer that is neither 2xx nor fatal, the
                // session simply runs out (§10).
                if (elapsed >= agreement.Interval) return SessionLoss.SessionExpired;
                var refreshSent = refreshedFor == since;
                if (!refreshSent && elapsed >= agreement.RefreshAfter)
                {
                    refreshedFor = since;
                    // The new period counts from the refresh we sent, not from when this loop saw the 2xx (earlier by
                    // the round trip at most, so the next refresh is never late).
                    var sentAt = _time.GetTimestamp();
                    var status = await peer.RefreshAsync(agreement);
                    if (Gone(status)) return SessionLoss.DialogGone;
                    if (status is >= 200 and < 300) Refreshed(null, sentAt);
                    continue;
                }
                await WaitAsync((refreshSent ? agreement.Interval : agreement.RefreshAfter) - elapsed, changed, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        return null;
    }

    private static bool Gone(int? status) => status is null or 408 or 481;

    private async Task WaitAsync(TimeSpan wait, Task changed, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(wait, _time, stop.Token);
        await Task.WhenAny(delay, changed);
        await stop.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }
}
