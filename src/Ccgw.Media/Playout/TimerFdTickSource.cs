using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Ccgw.Media.Playout;

/// <summary>
/// The pacing clock on Linux: one dedicated thread blocked in <c>read()</c> on a <c>timerfd</c>
/// (<c>CLOCK_MONOTONIC</c>, absolute first expiry on the scheduler's grid, fixed interval), as Asterisk's
/// <c>res_timing_timerfd</c> and FreeSWITCH's timerfd timer do. Against the thread-pool timer it replaces:
/// the kernel keeps the phase (an interval timer with an absolute start never drifts and never takes a new phase
/// after a late wake-up; missed expirations are counted by <c>read()</c>), the wake-up is a thread made runnable by an
/// hrtimer rather than a timer-queue callback queued to the thread pool behind other work (SIP, web, storage), and the
/// tick runs on that thread, so a send never waits for a pool thread.
/// A thin tick source: all pacing logic stays in <see cref="MediaScheduler"/> and is tested on a manual clock.
/// </summary>
internal sealed class TimerFdTickSource : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int TfdCloexec = 0x80000;       // O_CLOEXEC
    private const int TfdTimerAbstime = 1;
    private const int Eintr = 4;

    private readonly int _fd;
    private readonly Action _tick;
    private readonly ILogger _log;
    private readonly Thread _thread;
    private readonly int _nice;
    private volatile bool _stopping;

    private TimerFdTickSource(int fd, Action tick, ILogger log, int nice)
    {
        _fd = fd;
        _nice = nice;
        _tick = tick;
        _log = log;
        // A foreground thread would hold the process open after the host stopped; the scheduler's Dispose ends it.
        _thread = new Thread(Run) { IsBackground = true, Name = "ccgw-media-pacing" };
    }

    /// <summary>
    /// Starts ticking every <paramref name="interval"/>, first at <paramref name="firstTick"/> (a
    /// <see cref="Stopwatch"/> timestamp, i.e. <see cref="TimeProvider.System"/>'s clock). Null when timerfd is not
    /// available (not Linux, or the call failed): the caller falls back to a <see cref="TimeProvider"/> timer.
    /// </summary>
    /// <remarks>
    /// <paramref name="nice"/> below 0 raises the pacing thread alone (setpriority on its thread id), as Asterisk's
    /// <c>-p</c> and FreeSWITCH's <c>-hp</c> raise the media threads: on a busy core a sleeping thread that wakes every
    /// few milliseconds otherwise waits behind every runnable task. Needs CAP_SYS_NICE (or a matching RLIMIT_NICE);
    /// refused, it is logged and the thread runs at the process's priority.
    /// </remarks>
    public static TimerFdTickSource? TryStart(long firstTick, TimeSpan interval, Action tick, ILogger log, int nice = 0)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int fd;
        try
        {
            fd = TimerFdCreate(ClockMonotonic, TfdCloexec);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without timerfd (a trimmed container, another C library): the portable timer still paces.
            log.TimerFdUnavailable(e.Message);
            return null;
        }
        if (fd < 0)
        {
            log.TimerFdUnavailable($"timerfd_create failed, errno {Marshal.GetLastPInvokeError()}");
            return null;
        }
        // Stopwatch is CLOCK_MONOTONIC on Linux, but its frequency is not promised: map the grid point through "now"
        // on both clocks, so the absolute expiry lands on the scheduler's grid whatever the unit.
        if (ClockGetTime(ClockMonotonic, out var nowMono) != 0)
        {
            log.TimerFdUnavailable($"clock_gettime failed, errno {Marshal.GetLastPInvokeError()}");
            _ = Close(fd);
            return null;
        }
        var untilFirst = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), firstTick);
        if (untilFirst < TimeSpan.Zero) untilFirst = TimeSpan.Zero;
        var firstNs = (nowMono.Seconds * 1_000_000_000L) + nowMono.Nanoseconds + (untilFirst.Ticks * 100);
        var intervalNs = interval.Ticks * 100;
        var spec = new ITimerSpec
        {
            Interval = new TimeSpec { Seconds = intervalNs / 1_000_000_000L, Nanoseconds = intervalNs % 1_000_000_000L },
            Value = new TimeSpec { Seconds = firstNs / 1_000_000_000L, Nanoseconds = firstNs % 1_000_000_000L },
        };
        if (TimerFdSetTime(fd, TfdTimerAbstime, in spec, IntPtr.Zero) != 0)
        {
            log.TimerFdUnavailable($"timerfd_settime failed, errno {Marshal.GetLastPInvokeError()}");
            _ = Close(fd);
            return null;
        }
        var source = new TimerFdTickSource(fd, tick, log, nice);
        source._thread.Start();
        return source;
    }

    private void Run()
    {
        try
        {
            if (_nice != 0)
            {
                if (SetPriority(PrioProcess, GetTid(), _nice) == 0) _log.PacingThreadNice(_nice);
                else _log.PacingThreadNiceRefused(_nice, Marshal.GetLastPInvokeError());
            }
            while (!_stopping)
            {
                var n = Read(_fd, out var expirations, sizeof(ulong));
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Eintr) continue;
                    // Not expected from a valid timerfd; said once, and the pacing thread ends (media stops, SIP and
                    // the rest go on). Silent retries would spin a core.
                    _log.TimerFdReadFailed(errno);
                    return;
                }
                // More than one expiration means ticks were missed; the scheduler counts those from its own clock
                // (ccgw.media.scheduler_overruns) and its catch-up serves the sub-slots they skipped.
                if (_stopping || expirations == 0) continue;
                _tick();
            }
        }
#pragma warning disable CA1031 // The tick isolates stream faults itself; anything else must be logged, not kill the process.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.PacingThreadFailed(e);
        }
        finally
        {
            // Closed by the thread that reads it, after its last read: never closed under a blocked read().
            _ = Close(_fd);
        }
    }

    /// <summary>Stops the thread: it sees the flag at its next expiry (at most one interval later) and closes the timerfd.</summary>
    public void Dispose() => _stopping = true;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ITimerSpec
    {
        public TimeSpec Interval;
        public TimeSpec Value;
    }

    [DllImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    private static extern int TimerFdCreate(int clockId, int flags);

    [DllImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    private static extern int TimerFdSetTime(int fd, int flags, in ITimerSpec newValue, IntPtr oldValue);

    [DllImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static extern int ClockGetTime(int clockId, out TimeSpec time);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, out ulong value, nint count);

    private const int PrioProcess = 0; // with a thread id: that thread only (Linux)

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
