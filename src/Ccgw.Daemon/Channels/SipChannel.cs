using Ccgw.Daemon.Channels;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon;

/// <summary>The SIP channel: stack (registrar with SQLite bindings, digest from configured agents) and trunk keep-alives.</summary>
internal static partial class DaemonHost
{
    static partial void AddSipChannel(WebApplicationBuilder builder, LoadedConfiguration config)
    {
        var l = config.Options.Listeners;
        if (!l.SipUdp.Enabled && !l.SipTcp.Enabled && !l.SipTls.Enabled) return;
        var services = builder.Services;
        services.AddSingleton<ISipCredentialStore, SipAccounts>();
        services.AddSingleton(sp => new SqliteRegistrationBindingStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IRegistrationStore, SipRegistrationStore>();
        services.AddSingleton<SipService>();
        // One resolver for the keep-alives and the call-backs, so both share the DNS cache.
        services.AddSingleton(sp => PeerResolver(config.Options.Sip, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<SipService>());
        // After the SIP stack: the voice path needs the bound stack, and stops (hanging up calls) before it.
        services.AddSingleton<VoiceService>();
        services.AddHostedService(sp => sp.GetRequiredService<VoiceService>());
        services.AddHostedService<TrunkMonitor>();
        services.AddHostedService<TrunkRegistration>();
    }

    /// <summary>SRV lookups ask Sip:DnsServers (checked by config validation), else the system's resolv.conf servers.</summary>
    private static Sip.Transport.SipPeerResolver PeerResolver(SipOptions sip, TimeProvider time, ILoggerFactory loggers)
    {
        var configured = sip.DnsServers.Select(text => SipOptions.TryParseDnsServer(text, out var server) ? server : null)
            .OfType<System.Net.IPEndPoint>().ToList();
        var servers = configured.Count > 0 ? configured : Sip.Dns.SipDnsClient.SystemServers();
        var log = loggers.CreateLogger("Ccgw.Sip");
        return new Sip.Transport.SipPeerResolver(new Sip.Dns.SipDnsClient(servers, time, log), log: log);
    }
}
