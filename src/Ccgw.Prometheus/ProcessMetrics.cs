using System.Buffers;
using System.Diagnostics;
using System.Globalization;

namespace Ccgw.Prometheus;

/// <summary>
/// Process and runtime families named like the Go client / prometheus-net, so standard dashboards work.
/// Values are read at scrape time; Linux-only figures come from /proc/self and are omitted elsewhere.
/// </summary>
internal sealed class ProcessMetrics
{
    private readonly double? _startTimeSeconds = ReadStartTime();

    public void Write(IBufferWriter<byte> writer)
    {
        Family(writer, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricKind.Counter,
            Environment.CpuUsage.TotalTime.TotalSeconds);
        if (_startTimeSeconds is { } start)
            Family(writer, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricKind.Gauge, start);
        Family(writer, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricKind.Gauge, Environment.WorkingSet);
        if (OperatingSystem.IsLinux()) WriteLinux(writer);

        Header(writer, "dotnet_collection_count_total", "GC collections since process start, per generation.", MetricKind.Counter);
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            ExpositionText.WriteAscii(writer, $"dotnet_collection_count_total{{generation=\"{generation}\"}} ");
            ExpositionText.WriteDouble(writer, GC.CollectionCount(generation));
            writer.Write("\n"u8);
        }
        Family(writer, "dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since process start.", MetricKind.Counter,
            GC.GetTotalAllocatedBytes());
        Family(writer, "dotnet_gc_pause_seconds_total", "Time the runtime was paused for garbage collection.", MetricKind.Counter,
            GC.GetTotalPauseDuration().TotalSeconds);
        Family(writer, "dotnet_total_memory_bytes", "Bytes currently thought to be allocated on the managed heap.", MetricKind.Gauge,
            GC.GetTotalMemory(forceFullCollection: false));
        Family(writer, "dotnet_threadpool_threads", "Thread pool threads that currently exist.", MetricKind.Gauge, ThreadPool.ThreadCount);
        Family(writer, "dotnet_threadpool_queue_length", "Work items queued to the thread pool but not yet started.", MetricKind.Gauge,
            ThreadPool.PendingWorkItemCount);
        Family(writer, "dotnet_threadpool_completed_items_total", "Work items the thread pool has completed.", MetricKind.Counter,
            ThreadPool.CompletedWorkItemCount);
        Family(writer, "dotnet_monitor_lock_contention_total", "Times a thread had to wait for a contended Monitor lock.", MetricKind.Counter,
            Monitor.LockContentionCount);
    }

    private static void WriteLinux(IBufferWriter<byte> writer)
    {
        if (TryCountOpenFds() is { } open)
            Family(writer, "process_open_fds", "Number of open file descriptors.", MetricKind.Gauge, open);
        if (TryReadMaxFds() is { } max)
            Family(writer, "process_max_fds", "Maximum number of open file descriptors.", MetricKind.Gauge, max);
        if (TryReadStat() is { } stat)
        {
            Family(writer, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricKind.Gauge, stat.VirtualBytes);
            Family(writer, "process_threads", "Number of OS threads in the process.", MetricKind.Gauge, stat.Threads);
        }
    }

    private static void Family(IBufferWriter<byte> writer, string name, string help, MetricKind kind, double value)
    {
        Header(writer, name, help, kind);
        ExpositionText.WriteAscii(writer, name);
        writer.Write(" "u8);
        ExpositionText.WriteDouble(writer, value);
        writer.Write("\n"u8);
    }

    private static void Header(IBufferWriter<byte> writer, string name, string help, MetricKind kind) =>
        writer.Write(ExpositionText.Header(name, help, kind));

    private static double? ReadStartTime()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static int? TryCountOpenFds()
    {
        try
        {
            // The enumeration itself holds one descriptor open; the Go client counts it too.
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double? TryReadMaxFds()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0) return null;
                return fields[0] == "unlimited" ? double.PositiveInfinity
                    : double.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (double VirtualBytes, double Threads)? TryReadStat()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // The command name (field 2) may contain spaces and ')'; fields after the last ')' are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // fields[0] is field 3 (state): num_threads is field 20, vsize is field 23.
            if (fields.Length < 21) return null;
            return double.TryParse(fields[20], NumberStyles.None, CultureInfo.InvariantCulture, out var vsize)
                && double.TryParse(fields[17], NumberStyles.None, CultureInfo.InvariantCulture, out var threads)
                ? (vsize, threads)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
