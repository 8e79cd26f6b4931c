using Microsoft.Extensions.Logging.Console;

namespace Ccgw.Daemon;

/// <summary>
/// One line per event with a UTC time stamp. Under systemd, Microsoft.Extensions.Hosting.Systemd's AddSystemd()
/// (DaemonHost, via AddSystemdNotify) switches the console to its "systemd" formatter, which prefixes syslog
/// priorities (&lt;6&gt;) and leaves time stamps to journald. Levels per category come from the Logging section.
/// </summary>
internal static class DaemonLogging
{
    public static void Configure(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Logging"));
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
