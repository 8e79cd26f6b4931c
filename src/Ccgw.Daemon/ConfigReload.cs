using System.Runtime.InteropServices;
using Ccgw.Configuration;

namespace Ccgw.Daemon;

/// <summary>
/// SIGHUP (<c>systemctl reload ccgw</c>): re-reads and validates the whole configuration file as at start (the same
/// messages as exit 78, each naming its key). A bad file is refused and logged, and the running configuration stays.
/// A good one applies the logging levels (<c>Logging:LogLevel:*</c>) at once, re-reads the listeners' certificate files
/// (the next TLS handshake serves a new one; connections up keep theirs), and applies the trunks and DIDs through the same
/// path as the admin API (<see cref="Trunks.TrunkProvisioningService.ApplyFileAsync"/>: those the API changed stay), and
/// the flows likewise before them (<see cref="Flows.FlowProvisioningService.ApplyFileAsync"/>), and the limits: the HTTP
/// rate limits (<c>Http:RateLimits</c>, the next request counts against the new limit) and the listeners' connection
/// caps (<c>Listeners:MaxConnections</c>, <c>MaxConnectionsPerAddress</c>: the next connection is admitted against them),
/// without dropping a call or connection; every other changed key is named in the log as needing a restart
/// (docs/configuration.md has the table). Agents, supervisors and queues' routing settings change at run time through
/// the admin API instead (the store wins).
/// </summary>
internal sealed partial class ConfigReload(LoadedConfiguration config, Trunks.TrunkProvisioningService trunks,
    Flows.FlowProvisioningService flows, Channels.ListenerCertificates certificates, Ccgw.Web.Edge.LiveRateLimits rateLimits,
    Channels.ListenerCaps caps, ILogger<ConfigReload> log)
    : IHostedService, IDisposable
{
    // The trunks of the last good reload being applied (storage is async, the signal handler is not); awaited at stop.
    private Task _applying = Task.CompletedTask;

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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _hangUp?.Dispose();
        _hangUp = null;
        Task applying;
        lock (_gate) applying = _applying;
        await applying.WaitAsync(cancellationToken);
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
            var levels = string.Join(", ", next.Where(kv => kv.Key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase)).Select(kv => $"{kv.Key}={kv.Value}").Order(StringComparer.Ordinal));
            LogReloaded(log, levels);
            if (restart.Count > 0)
            {
                var pending = string.Join(", ", restart.Take(20)) + (restart.Count > 20 ? $" and {restart.Count - 20} more" : "");
                LogNeedsRestart(log, pending);
            }
            ReloadCertificates();
            ApplyLimits(loaded.Options);
            // One reload after the other: each applies the file as it read it, in order.
            var previous = _applying;
            _applying = ApplyTrunksAsync(previous, loaded.Options);
            return true;
        }
    }

    /// <summary>The file's rate limits and connection caps (validated with the rest of the file), each logged when it changed.</summary>
    private void ApplyLimits(GatewayOptions file)
    {
        var limits = file.Http.RateLimits;
        var submissions = new Ccgw.Web.Edge.RateLimit(limits.Submissions.PermitLimit, TimeSpan.FromSeconds(limits.Submissions.WindowSeconds));
        var lookups = new Ccgw.Web.Edge.RateLimit(limits.Lookups.PermitLimit, TimeSpan.FromSeconds(limits.Lookups.WindowSeconds));
        if (submissions != rateLimits.Submissions || lookups != rateLimits.Lookups)
        {
            rateLimits.Replace(submissions, lookups);
            LogRateLimitsApplied(log, submissions.PermitLimit, limits.Submissions.WindowSeconds, lookups.PermitLimit, limits.Lookups.WindowSeconds);
        }
        if (caps.Apply(file.Listeners))
            LogCapsApplied(log, file.Listeners.MaxConnections, file.Listeners.MaxConnectionsPerAddress);
    }

    /// <summary>Each listener certificate from its files again; one that does not load is named and keeps serving the old one.</summary>
    private void ReloadCertificates()
    {
        foreach (var certificate in certificates.All)
        {
            try
            {
                if (certificate.Reload()) LogCertificateReplaced(log, certificate.Key, certificate.Current.Subject, certificate.Current.Thumbprint);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                LogCertificateRefused(log, certificate.Key, e.Message);
            }
        }
    }

    /// <summary>The trunks' and DIDs' changes that a reload applies; waits for the previous reload's first.</summary>
    private async Task ApplyTrunksAsync(Task previous, GatewayOptions file)
    {
        await previous;
        try
        {
            // Flows first: the file's DIDs may enter a flow the same reload adds.
            await flows.ApplyFileAsync(file, CancellationToken.None);
            var problems = await trunks.ApplyFileAsync(file, CancellationToken.None);
            if (problems.Count > 0) LogTrunksRefused(log, problems.Count);
        }
#pragma warning disable CA1031 // A storage failure refuses this reload's trunks (logged); the running trunks stay and the daemon runs on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogTrunksFailed(log, e);
        }
    }

    /// <summary>
    /// Keys a reload applies: logging levels, rate limits and connection caps, flows, and trunks with their DIDs (except the gateway's own registration
    /// with a provider, <c>Trunks:*:Register</c>, which the registration loop reads at start).
    /// </summary>
    private static bool IsReloadable(string key) =>
        key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Http:RateLimits:", StringComparison.OrdinalIgnoreCase)
        || key.Equals("Listeners:MaxConnections", StringComparison.OrdinalIgnoreCase)
        || key.Equals("Listeners:MaxConnectionsPerAddress", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Flows:", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Trunks:", StringComparison.OrdinalIgnoreCase) && !key.Contains(":Register", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string?> Flatten(IConfiguration configuration) => GatewayConfiguration.Flatten(configuration);

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

    [LoggerMessage(EventId = 20512, Level = LogLevel.Information, Message = "reload: {Key} replaced; new TLS handshakes serve {Subject} ({Thumbprint})")]
    private static partial void LogCertificateReplaced(ILogger logger, string key, string subject, string thumbprint);

    [LoggerMessage(EventId = 20513, Level = LogLevel.Error, Message = "reload: config error: {Key}: the certificate could not be loaded ({Reason}); the listener keeps serving its current certificate")]
    private static partial void LogCertificateRefused(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 20510, Level = LogLevel.Error, Message = "reload: the trunks and DIDs were not applied ({Count} problem(s) logged above); the running trunks stay")]
    private static partial void LogTrunksRefused(ILogger logger, int count);

    [LoggerMessage(EventId = 20511, Level = LogLevel.Error, Message = "reload: the flows, trunks and DIDs could not be applied; the running ones stay")]
    private static partial void LogTrunksFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 20603, Level = LogLevel.Information, Message = "reload applied: Http:RateLimits now submissions {Submissions} per {SubmissionsWindow} s, lookups {Lookups} per {LookupsWindow} s per address")]
    private static partial void LogRateLimitsApplied(ILogger logger, int submissions, int submissionsWindow, int lookups, int lookupsWindow);

    [LoggerMessage(EventId = 20604, Level = LogLevel.Information, Message = "reload applied: Listeners:MaxConnections now {Total}, Listeners:MaxConnectionsPerAddress {PerAddress} (open connections stay)")]
    private static partial void LogCapsApplied(ILogger logger, int total, int perAddress);

    [LoggerMessage(EventId = 20315, Level = LogLevel.Warning, Message = "reload: these changed keys take effect only after a restart (systemctl restart ccgw); running with the old values: {Keys}")]
    private static partial void LogNeedsRestart(ILogger logger, string keys);
}
