namespace Ccgw.Daemon;

/// <summary>
/// The host stops when a background service throws (BackgroundServiceExceptionBehavior.StopHost) but still returns
/// normally, so the process would exit 0 and systemd's Restart=on-failure would leave the gateway down
/// (dotnet/runtime#67146). The daemon asks this after the host has stopped and exits EX_SOFTWARE instead. The
/// services are taken before the host runs: running disposes its service provider.
/// </summary>
internal static class FaultedServices
{
    /// <summary>
    /// The type names of the background services whose loop ended with an exception; a generic host of a core loop
    /// (<see cref="EventLoopService{TLoop}"/>) is named by the loop it runs.
    /// </summary>
    public static IReadOnlyList<string> Find(IEnumerable<IHostedService> services) =>
        [.. services
            .OfType<BackgroundService>()
            .Where(s => s.ExecuteTask is { IsFaulted: true })
            .Select(s => s.GetType() is { IsGenericType: true } t ? t.GetGenericArguments()[0].Name : s.GetType().Name)];
}
