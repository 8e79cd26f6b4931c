using System.Reflection;

namespace Ccgw.Testing;

/// <summary>The built daemon and admin tool, in the same configuration (Debug/Release) as the running tests.</summary>
public static class Binaries
{
    private static readonly string Configuration =
        typeof(Binaries).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Daemon => Find("Ccgw.Daemon", "ccgw.dll");
    public static string Ctl => Find("Ccgw.Cli", "ccgwctl.dll");

    /// <summary>The apphost executable of the daemon (what a unit file's ExecStart would run).</summary>
    public static string DaemonAppHost => Path.ChangeExtension(Daemon, null);

    private static string Find(string project, string file)
    {
        var path = Path.Combine(RepoPaths.Root, "src", project, "bin", Configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution first", path);
    }
}
