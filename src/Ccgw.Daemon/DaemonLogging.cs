using Microsoft.Extensions.Logging.Console;

namespace Ccgw.Daemon;

/// <summary>
/// One line per event. Under systemd (JOURNAL_STREAM set) the "systemd" formatter prefixes syslog priorities
/// (&lt;6&gt;) and leaves time stamps to journald; elsewhere a single line with a UTC time stamp.
/// Levels per category come from the configuration's Logging section.
/// </summary>
internal static class DaemonLogging
{
    public static void Configure(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Logging"));
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM")))
        {
            logging.AddSystemdConsole(o => o.IncludeScopes = false);
            return;
        }
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    }
}
