namespace Ccgw.Daemon;

/// <summary>
/// One daemon per data directory: two would both open ccgw.db, both run the call-back dispatcher and both dial.
/// The lock is an exclusive open of <c>ccgw.lock</c> (FileShare.None, which .NET on Linux takes as flock(LOCK_EX|LOCK_NB)),
/// an OS-level lock that dies with the process: a kill -9 leaves the file behind but never a stale lock.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "ccgw.lock";

    private readonly FileStream stream;

    private DataDirectoryLock(FileStream stream) => this.stream = stream;

    /// <summary>The held lock, or null with <paramref name="holder"/> set to what the lock file says about its owner.</summary>
    public static DataDirectoryLock? TryAcquire(string dataDirectory, out string holder)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Held: the owner wrote its pid when it took the lock. Reading is allowed, flock is advisory.
            holder = ReadHolder(path);
            return null;
        }
        // The pid is for the operator's message only; the lock itself is the flock, not the file's content.
        stream.SetLength(0);
        using (var writer = new StreamWriter(stream, leaveOpen: true)) writer.Write($"{Environment.ProcessId}\n");
        stream.Flush(flushToDisk: false);
        holder = "";
        return new DataDirectoryLock(stream);
    }

    private static string ReadHolder(string path)
    {
        try
        {
            var pid = File.ReadAllText(path).Trim();
            return pid.Length > 0 ? $"pid {pid}" : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    public void Dispose() => stream.Dispose();
}
