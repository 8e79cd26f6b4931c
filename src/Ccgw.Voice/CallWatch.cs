namespace Ccgw.Voice;

/// <summary>Which limit a watched call reached.</summary>
internal enum CallWatchLimit
{
    /// <summary>The longest call (<see cref="VoiceSettings.MaxCallDuration"/>).</summary>
    MaxDuration,

    /// <summary>A leg that should send RTP stayed silent for <see cref="VoiceSettings.RtpTimeout"/>.</summary>
    RtpTimeout,
}

internal sealed record CallWatchVerdict(CallWatchLimit Limit, TimeSpan Measured);

/// <summary>
/// Watches one call for a peer that went away without BYE (issue 16, sessions): the longest call counted from
/// <c>since</c>, and the longest RTP silence of the legs that should be sending, as the caller measures it. Completes with
/// the first limit reached, or null when the call ends first (<c>ct</c> cancelled). Pure timing on the injected clock:
/// the caller decides how the call ends, so call-backs and trunk calls can each report the end their own way.
/// A zero or negative limit is off.
/// </summary>
internal static class CallWatch
{
    public static async Task<CallWatchVerdict?> RunAsync(TimeProvider time, long since, TimeSpan maxDuration, TimeSpan rtpTimeout,
        Func<TimeSpan> longestSilence, CancellationToken ct)
    {
        if (maxDuration <= TimeSpan.Zero && rtpTimeout <= TimeSpan.Zero) return null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = Timeout.InfiniteTimeSpan;
                if (maxDuration > TimeSpan.Zero)
                {
                    var left = maxDuration - time.GetElapsedTime(since);
                    if (left <= TimeSpan.Zero) return new(CallWatchLimit.MaxDuration, maxDuration);
                    wait = left;
                }
                if (rtpTimeout > TimeSpan.Zero)
                {
                    // A leg not expected to send (on hold, not negotiated) reports zero: looked at again after one timeout.
                    var silent = longestSilence();
                    if (silent >= rtpTimeout) return new(CallWatchLimit.RtpTimeout, silent);
                    var left = rtpTimeout - silent;
                    if (wait == Timeout.InfiniteTimeSpan || left < wait) wait = left;
                }
                await Task.Delay(wait, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        return null;
    }
}
