using Microsoft.Extensions.Logging;

namespace Ccgw.Media;

/// <summary>
/// The media library's log lines, source-generated (nothing is formatted unless enabled, so the pacing tick stays
/// allocation-free). Event ids 14300-14399. The host hands one <see cref="ILogger"/> (category "Ccgw.Media").
/// </summary>
internal static partial class MediaLog
{
    [LoggerMessage(EventId = 14300, Level = LogLevel.Error, Message = "An RTP stream's source or sink failed; its playback was interrupted, the other streams go on")]
    public static partial void StreamFault(this ILogger logger, Exception exception);

    // The pacing clock (issue 21): event ids 21400-21499.
    [LoggerMessage(EventId = 21400, Level = LogLevel.Information, Message = "RTP pacing on a dedicated timerfd thread: {SubSlots} sub-slot(s) of {SlotMilliseconds} ms per 20 ms frame")]
    public static partial void PacingOnTimerFd(this ILogger logger, int subSlots, double slotMilliseconds);

    [LoggerMessage(EventId = 21401, Level = LogLevel.Warning, Message = "timerfd is not available ({Reason}); RTP pacing falls back to the thread-pool timer, with more jitter under load")]
    public static partial void TimerFdUnavailable(this ILogger logger, string reason);

    [LoggerMessage(EventId = 21402, Level = LogLevel.Critical, Message = "Reading the RTP pacing timerfd failed (errno {Errno}); the pacing thread stopped and no more prompts or music are sent")]
    public static partial void TimerFdReadFailed(this ILogger logger, int errno);

    [LoggerMessage(EventId = 21404, Level = LogLevel.Information, Message = "RTP pacing thread runs at nice {Nice}")]
    public static partial void PacingThreadNice(this ILogger logger, int nice);

    [LoggerMessage(EventId = 21405, Level = LogLevel.Warning, Message = "Voice:PacingNice {Nice} refused (errno {Errno}: needs CAP_SYS_NICE or RLIMIT_NICE); the RTP pacing thread runs at the process's priority")]
    public static partial void PacingThreadNiceRefused(this ILogger logger, int nice, int errno);

    [LoggerMessage(EventId = 21403, Level = LogLevel.Critical, Message = "The RTP pacing thread failed; no more prompts or music are sent")]
    public static partial void PacingThreadFailed(this ILogger logger, Exception exception);
}
