using Ccgw.Configuration;
using Ccgw.Web.Staff;
using Microsoft.AspNetCore.DataProtection;

namespace Ccgw.Daemon;

/// <summary>
/// The staff consoles (issue 19): cookie scheme "ccgw-staff", antiforgery, the pages and their small HTTP API. The
/// cookie and antiforgery keys live in the data directory, so a console's session survives a daemon restart (the page
/// reconnects by itself and asks for a fresh MQTT token; tokens themselves are in memory only).
/// </summary>
internal static partial class DaemonHost
{
    static partial void AddStaffConsoles(WebApplicationBuilder builder, LoadedConfiguration config)
    {
        var options = config.Options;
        var keys = Path.Combine(config.Context.Resolve(options.Data.Directory), "keys");
        builder.Services.AddDataProtection().SetApplicationName("ccgw").PersistKeysToFileSystem(new DirectoryInfo(keys));
        builder.Services.AddStaffConsoles(new StaffConsoleOptions(
            options.Consoles.EffectiveNotReadyReasons,
            TimeSpan.FromHours(options.Consoles.SessionHours),
            options.Routing.WrapUpSeconds,
            options.Consoles.Alerts.ServiceLevelBelow,
            options.Consoles.Alerts.LongestWaitSeconds,
            [.. options.Queues.Select(q => new StaffQueue(q.Id, q.Name ?? q.Id, q.ServiceLevel.Seconds, q.ServiceLevel.Target))])
        {
            XmppDomain = options.Listeners.Xmpp.Enabled ? options.Site.XmppDomain : null,
        });
    }

    static partial void MapStaffConsoles(WebApplication app) => app.MapStaffConsoles();
}
