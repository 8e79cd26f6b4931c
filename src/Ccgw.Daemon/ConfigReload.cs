using System.Runtime.InteropServices;
using Ccgw.Configuration;

namespace Ccgw.Daemon;

/// <summary>
/// SIGHUP (<c>systemctl reload ccgw</c>): re-reads and validates the whole configuration file as at start (the same
/// messages as exit 78, each naming its key). A bad file is refused and logged, and the running configuration stays.
/// A good one applies the logging levels (<c>Logging:LogLevel:*</c>) at once, without dropping a call or connection;
/// every other changed key is named in the log as needing a restart (docs/configuration.md has the table). Agents,
/// supervisors and queues' routing settings change at run time through the admin API instead (the store wins).
/// </summary>
internal sealed partial class ConfigReload(LoadedConfiguration config, ILogger<ConfigReload> log) : IHostedService, IDisposable
{
    private readonly Dictionary<string, string?> _running = Flatten(config.Raw);
    private readonly Lock _gate = new();
    private PosixSignalRegistration? _hangUp;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // The default action of SIGHUP ends the process; a reload must not.
            context.Cancel = true;
            Reload();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _hangUp?.Dispose();
        _hangUp = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _hangUp?.Dispose();

    /// <summary>One reload: true when the file was valid and its logging levels now apply.</summary>
    internal bool Reload()
    {
        lock (_gate)
        {
            LogReloading(log, config.Path);
            var loaded = GatewayConfiguration.Load(config.Path);
            foreach (var warning in loaded.Problems.Warnings)
            {
                var text = warning.ToString();
                LogReloadWarning(log, text);
            }
            if (!loaded.IsValid)
            {
                foreach (var error in loaded.Problems.Errors)
                {
                    var text = error.ToString();
                    LogReloadError(log, text);
                }
                LogReloadRefused(log, loaded.Problems.Errors.Count, config.Path);
                return false;
            }

            var next = Flatten(loaded.Raw);
            var restart = next.Keys.Union(_running.Keys, StringComparer.OrdinalIgnoreCase)
                .Where(k => !IsReloadable(k) && next.GetValueOrDefault(k) != _running.GetValueOrDefault(k))
                .Order(StringComparer.OrdinalIgnoreCase).ToList();
            // The logging filters follow the Logging section of this configuration through its change token; re-reading
            // the file (validated just above) is what applies the new levels.
            if (config.Raw is IConfigurationRoot root) root.Reload();
            var levels = string.Join(", ", next.Where(kv => IsReloadable(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}").Order(StringComparer.Ordinal));
            LogReloaded(log, levels);
            if (restart.Count > 0)
            {
                var pending = string.Join(", ", restart.Take(20)) + (restart.Count > 20 ? $" and {restart.Count - 20} more" : "");
                LogNeedsRestart(log, pending);
            }
            return true;
        }
    }

    private static bool IsReloadable(string key) => key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string?> Flatten(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 20310, Level = LogLevel.Information, Message = "SIGHUP: reloading the configuration from {Path}")]
    private static partial void LogReloading(ILogger logger, string path);

    [LoggerMessage(EventId = 20311, Level = LogLevel.Error, Message = "reload: config error: {Problem}")]
    private static partial void LogReloadError(ILogger logger, string problem);

    [LoggerMessage(EventId = 20312, Level = LogLevel.Error, Message = "reload refused: {Count} problem(s) in {Path}; the running configuration stays")]
    private static partial void LogReloadRefused(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 20313, Level = LogLevel.Warning, Message = "reload: config warning: {Problem}")]
    private static partial void LogReloadWarning(ILogger logger, string problem);

    [LoggerMessage(EventId = 20314, Level = LogLevel.Information, Message = "reload applied: logging levels now {Levels}")]
    private static partial void LogReloaded(ILogger logger, string levels);

    [LoggerMessage(EventId = 20315, Level = LogLevel.Warning, Message = "reload: these changed keys take effect only after a restart (systemctl restart ccgw); running with the old values: {Keys}")]
    private static partial void LogNeedsRestart(ILogger logger, string keys);
}
