using System.Runtime.InteropServices;

namespace Ccgw.Bench.Routing;

/// <summary>
/// The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), so latency can also be reported without the
/// time the thread spent descheduled: this machine's 2 cores are shared, and wall-clock tails measure the neighbours.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && TryNow(out _);

    /// <summary>Nanoseconds of CPU time consumed by this thread.</summary>
    public static long NowNanoseconds() => TryNow(out var ns) ? ns : 0;

    private static bool TryNow(out long nanoseconds)
    {
        nanoseconds = 0;
        try
        {
            if (ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0)
                return false;
            nanoseconds = (ts.Seconds * 1_000_000_000) + ts.Nanoseconds;
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
