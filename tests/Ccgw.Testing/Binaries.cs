using System.Reflection;

namespace Ccgw.Testing;

/// <summary>The built daemon and admin tool, in the same configuration (Debug/Release) as the running tests.</summary>
public static class Binaries
{
    private static readonly string Configuration =
        typeof(Binaries).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>
    /// The daemon built beside these tests, or <c>CCGW_BENCH_DAEMON</c> (a ccgw.dll elsewhere) when set: benchmarks start
    /// a saved build of the previous commit and this one in the same run (bench/Ccgw.Bench.Startup). Tests never set it.
    /// </summary>
    public static string Daemon => Environment.GetEnvironmentVariable("CCGW_BENCH_DAEMON") is { Length: > 0 } other ? other : Find("Ccgw.Daemon", "ccgw.dll");
    public static string Ctl => Find("Ccgw.Cli", "ccgwctl.dll");

    /// <summary>The apphost executable of the daemon (what a unit file's ExecStart would run).</summary>
    public static string DaemonAppHost => Path.ChangeExtension(Daemon, null);

    private static string Find(string project, string file)
    {
        var path = Path.Combine(RepoPaths.Root, "src", project, "bin", Configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution first", path);
    }
}
