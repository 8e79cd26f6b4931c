using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon.Channels;

/// <summary>The registrar's bindings in SQLite, so agents' phones stay registered across a restart.</summary>
internal sealed class SipRegistrationStore(SqliteRegistrationBindingStore store) : IRegistrationStore
{
    public async ValueTask<IReadOnlyList<SipBinding>> GetBindingsAsync(string aor, CancellationToken cancellationToken) =>
        [.. (await store.GetAsync(aor, cancellationToken)).Select(b =>
            new SipBinding(b.Aor, b.ContactUri, b.CallId, (uint)b.CSeq, b.ExpiresAt, b.Q, b.ReceivedFrom))];

    public ValueTask ReplaceBindingsAsync(string aor, IReadOnlyList<SipBinding> bindings, CancellationToken cancellationToken) =>
        store.ReplaceAsync(aor, [.. bindings.Select(b =>
            new RegistrationBinding(b.Aor, b.ContactUri, b.CallId, b.CSeq, b.ExpiresAt, b.Q, b.ReceivedFrom))], cancellationToken);
}

/// <summary>Routes the SIP library's log lines into Microsoft.Extensions.Logging under the "Ccgw.Sip" category.</summary>
internal sealed class SipLogAdapter(ILoggerFactory loggers) : Sip.ISipLog
{
    private readonly ILogger _log = loggers.CreateLogger("Ccgw.Sip");

    public bool IsEnabled(Sip.SipLogLevel level) => _log.IsEnabled(Map(level));

#pragma warning disable CA1848, CA2254, CA1873 // The library hands us finished text (after IsEnabled); there is no template to source-generate.
    public void Log(Sip.SipLogLevel level, string message, Exception? exception = null) => _log.Log(Map(level), exception, message);
#pragma warning restore CA1848, CA2254, CA1873

    private static LogLevel Map(Sip.SipLogLevel level) => level switch
    {
        Sip.SipLogLevel.Debug => LogLevel.Debug,
        Sip.SipLogLevel.Information => LogLevel.Information,
        Sip.SipLogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}
