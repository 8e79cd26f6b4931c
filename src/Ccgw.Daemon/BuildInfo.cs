using System.Reflection;

namespace Ccgw.Daemon;

internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static string Describe() => $"ccgw {Version} (.NET {Environment.Version})";
}
