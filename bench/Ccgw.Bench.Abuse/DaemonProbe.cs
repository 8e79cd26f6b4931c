using System.Globalization;
using Ccgw.Testing;

namespace Ccgw.Bench.Abuse;

/// <summary>What the kernel says about the daemon: CPU time (utime+stime), peak and current resident memory.</summary>
internal static class DaemonProbe
{
    private static readonly double TicksPerSecond = ClockTicks();

    /// <summary>utime + stime in seconds, from /proc/PID/stat (fields 14 and 15, counted after the comm's ')').</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12].
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>A line of /proc/PID/status in MB (VmHWM: the peak since start; VmRSS: now).</summary>
    public static double StatusMegabytes(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return double.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    public static int OpenDescriptors(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid}/fd").Length;
        }
        catch (DirectoryNotFoundException)
        {
            return -1; // the daemon died under the attack; the table says so through its exit
        }
    }

    /// <summary>Pins every thread of the daemon to <paramref name="cpu"/> (threads made later inherit it).</summary>
    public static async Task PinAsync(int pid, int cpu)
    {
        var taskset = await ExternalProcess.RunAsync("taskset", ["-a", "-p", "-c", cpu.ToString(CultureInfo.InvariantCulture),
            pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        if (taskset.ExitCode != 0) Console.Error.WriteLine($"taskset failed: {taskset.StandardError}");
        await taskset.DisposeAsync();
    }

    private static double ClockTicks()
    {
        var getconf = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
        var text = getconf.StandardOutput.ReadToEnd();
        getconf.WaitForExit();
        return double.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var ticks) ? ticks : 100;
    }
}
