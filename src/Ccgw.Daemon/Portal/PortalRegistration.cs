using System.Globalization;
using System.Net;
using Ccgw.Core.Mail;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Web.Mail;
using Ccgw.Web.Portal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ccgw.Daemon.Portal;

/// <summary>
/// Wires the customer portal (issue 17) to SQLite, the mail relay and the data directory: maps <c>Portal</c> and
/// <c>Mail:Smtp</c> onto the web project's settings and registers the customer cookie scheme there. The keys that
/// protect session and antiforgery cookies live in the data directory, so sessions survive a restart.
/// </summary>
internal static class PortalRegistration
{
    public static void AddPortal(IServiceCollection services, GatewayOptions options, string dataDirectory)
    {
        services.AddDataProtection()
            .SetApplicationName("ccgw")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        services.AddSingleton<IMailSender>(Mail(options.Mail.Smtp));
        services.AddSingleton<IInvitationRepository, SqliteInvitationRepository>();
        services.AddCustomerInvitations();
        services.AddSingleton<IAlertMediumStore, SqliteAlertMediumStore>();
        services.AddStatusAlerts();
        var portal = options.Portal;
        services.AddCustomerPortal(new PortalSettings(
            options.Site.Name,
            PublicUrl(options),
            TimeSpan.FromMinutes(portal.SignInLinkMinutes),
            TimeSpan.FromMinutes(portal.SessionIdleMinutes),
            portal.LinksPerCustomerPerHour,
            portal.SignInsPerAddressPerMinute,
            options.Site.XmppDomain,
            options.Agents.ToDictionary(a => a.Id, a => a.Name is { Length: > 0 } name ? name : a.Id, StringComparer.Ordinal))
        {
            AgentQueues = options.Agents.ToDictionary(a => a.Id, a => AgentQueues(options, a), StringComparer.Ordinal),
        });
    }

    /// <summary>The queues whose skills the agent has, ordered by the agent's level in them (best first).</summary>
    private static IReadOnlyList<string> AgentQueues(GatewayOptions options, AgentOptions agent) => [.. options.Queues
        .Where(q => q.Skills.Count > 0 && q.Skills.Keys.All(agent.Skills.ContainsKey))
        .OrderByDescending(q => q.Skills.Keys.Max(k => agent.Skills[k]))
        .Select(q => q.Id)];

    /// <summary>After the edge (routing) and before the endpoints: who the customer is, then whether they may.</summary>
    public static void UsePortal(WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCustomerPortal();
    }

    private static IMailSender Mail(SmtpOptions smtp) => smtp.Host is { Length: > 0 } host
        ? new SmtpMailSender(new SmtpSettings(host, smtp.Port, smtp.Tls switch
        {
            SmtpOptions.TlsNone => SmtpTlsMode.None,
            SmtpOptions.TlsImplicit => SmtpTlsMode.Tls,
            _ => SmtpTlsMode.StartTls,
        }, smtp.User, smtp.Password, smtp.From!))
        : new NoMailSender();

    /// <summary><c>Portal:PublicUrl</c>, else the HTTPS listener when enabled, else the HTTP listener.</summary>
    internal static Uri PublicUrl(GatewayOptions options)
    {
        if (options.Portal.PublicUrl is { Length: > 0 } url) return new Uri(url.EndsWith('/') ? url : url + "/");
        var https = options.Listeners.Https;
        var (scheme, listener) = https.Enabled ? ("https", (ListenerOptions)https) : ("http", options.Listeners.Http);
        var host = IPAddress.TryParse(listener.Address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{listener.Address}]" : listener.Address;
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{listener.Port}/"));
    }
}
