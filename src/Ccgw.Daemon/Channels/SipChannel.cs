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
        services.AddHostedService(sp => sp.GetRequiredService<SipService>());
        // After the SIP stack: the voice path needs the bound stack, and stops (hanging up calls) before it.
        services.AddSingleton<VoiceService>();
        services.AddHostedService(sp => sp.GetRequiredService<VoiceService>());
        services.AddHostedService<TrunkMonitor>();
        services.AddHostedService<TrunkRegistration>();
    }
}
