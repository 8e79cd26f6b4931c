namespace Ccgw.Daemon;

/// <summary>
/// One daemon per data directory: two would both open ccgw.db, both run the call-back dispatcher and both dial.
/// The lock is an exclusive open of <c>ccgw.lock</c> (FileShare.None, which .NET on Linux takes as flock(LOCK_EX|LOCK_NB)),
/// an OS-level lock that dies with the process: a kill -9 leaves the file behind but never a stale lock.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "ccgw.lock";

    /// <summary>
    /// The holder's pid, for the operator's message only. It lives beside the lock rather than in it because .NET
    /// opens every file with flock too (LOCK_SH for reading), so a second process cannot read the locked file.
    /// </summary>
    public const string PidFileName = "ccgw.pid";

    private readonly FileStream stream;

    private DataDirectoryLock(FileStream stream) => this.stream = stream;

    /// <summary>The held lock, or null with <paramref name="holder"/> set to what the pid file says about its owner.</summary>
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
            holder = ReadHolder(Path.Combine(dataDirectory, PidFileName));
            return null;
        }
        // Written only while holding the lock, so a pid file left by a kill -9 is overwritten before anyone reads it.
        File.WriteAllText(Path.Combine(dataDirectory, PidFileName), $"{Environment.ProcessId}\n");
        holder = "";
        return new DataDirectoryLock(stream);
    }

    private static string ReadHolder(string pidFile)
    {
        try
        {
            var pid = File.ReadAllText(pidFile).Trim();
            return pid.Length > 0 ? $"pid {pid}" : "another process";
        }
        catch (IOException)
        {
            // The holder may not have written it yet; the lock, not this file, is what refused us.
            return "another process";
        }
    }

    public void Dispose() => stream.Dispose();
}
