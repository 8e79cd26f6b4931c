using System.Net;
using Ccgw.Daemon.Channels;
using Ccgw.Sip;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Ccgw.Storage.Sqlite;
using Ccgw.Voice;
using Ccgw.Voice.Edge;
using Ccgw.Voice.Trunks;

namespace Ccgw.Daemon;

/// <summary>
/// The SIP channel: constructs and registers Ccgw.Voice's SIP stack host, voice path and trunk services in start order
/// (stack, voice, keep-alives, registration). The configuration is mapped in SipChannelSettings.cs.
/// </summary>
internal static partial class DaemonHost
{
    static partial void AddSipChannel(WebApplicationBuilder builder, LoadedConfiguration config)
    {
        var options = config.Options;
        var l = options.Listeners;
        if (!l.SipUdp.Enabled && !l.SipTcp.Enabled && !l.SipTls.Enabled) return;
        var services = builder.Services;
        services.AddSingleton(sp => VoiceSettingsFrom(options, config.Context, sp.GetRequiredService<Core.Callbacks.CallbackPolicies>()) with
        {
            TrunkDirectory = sp.GetRequiredService<TrunkDirectory>(),
        });
        // Read at each digest challenge from the live logins, so agents provisioned at run time register their phones at once.
        services.AddSingleton<ISipCredentialStore>(sp => new StaffSipCredentials(sp.GetRequiredService<Core.Security.ILoginDirectory>(), options.Site.SipDomain));
        // Bindings served from memory and written in groups (docs/sip.md, Registrar); loaded before the listeners open.
        services.AddSingleton(sp => new GroupCommitRegistrationStore(
            new SipBindingPersistence(sp.GetRequiredService<IRegistrationBindingStore>()), RegistrarPersistenceFrom(options.Sip),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Ccgw.Sip.Registrar")));
        services.AddSingleton<IRegistrationStore>(sp => sp.GetRequiredService<GroupCommitRegistrationStore>());
        services.AddHostedService(sp => new SipRegistrationStartup(sp.GetRequiredService<GroupCommitRegistrationStore>()));
        services.AddSingleton(sp => new SipStackHost(() => StackOptions(config, sp.GetRequiredService<ListenerCaps>(), sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<TrunkDirectory>(), sp.GetRequiredService<ListenerCertificates>()), sp.GetRequiredService<VoiceSettings>(),
            sp.GetRequiredService<ISipCredentialStore>(), sp.GetRequiredService<IRegistrationStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Ccgw.Sip"), sp.GetRequiredService<ILogger<SipStackHost>>()));
        // One resolver for the keep-alives and the call-backs, so both share the DNS cache.
        services.AddSingleton(sp => PeerResolver(options.Sip, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<SipStackHost>());
        // After the SIP stack: the voice path needs the bound stack, and stops (hanging up calls) before it.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<VoiceService>(sp, sp.GetRequiredService<Ccgw.Core.Flows.FlowCatalog>()));
        services.AddHostedService(sp => sp.GetRequiredService<VoiceService>());
        services.AddHostedService<TrunkMonitor>();
        services.AddHostedService<TrunkRegistration>();
    }

    /// <summary>Sip:Registrar:Persistence, checked by configuration validation ("durable" or "write-behind").</summary>
    private static RegistrarPersistence RegistrarPersistenceFrom(SipOptions sip) =>
        string.Equals(sip.Registrar.Persistence, RegistrarBindingOptions.WriteBehind, StringComparison.OrdinalIgnoreCase)
            ? RegistrarPersistence.WriteBehind
            : RegistrarPersistence.Durable;

    /// <summary>SRV lookups ask Sip:DnsServers (checked by config validation), else the system's resolv.conf servers.</summary>
    private static SipPeerResolver PeerResolver(SipOptions sip, TimeProvider time, ILoggerFactory loggers)
    {
        var configured = sip.DnsServers.Select(text => SipOptions.TryParseDnsServer(text, out var server) ? server : null)
            .OfType<IPEndPoint>().ToList();
        var servers = configured.Count > 0 ? configured : Sip.Dns.SipDnsClient.SystemServers();
        var log = loggers.CreateLogger("Ccgw.Sip");
        return new SipPeerResolver(new Sip.Dns.SipDnsClient(servers, time, log), log: log);
    }
}
