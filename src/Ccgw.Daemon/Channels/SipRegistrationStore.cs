using Ccgw.Sip.Registrar;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon.Channels;

/// <summary>
/// The storage engine's binding table as the registrar's group-commit store sees it, so agents' phones stay registered
/// across a restart (or a pair's takeover): SQLite or PostgreSQL, whichever <c>Storage:Engine</c> chose.
/// </summary>
internal sealed class SipBindingPersistence(IRegistrationBindingStore store) : IBindingPersistence
{
    public async ValueTask<IReadOnlyList<SipBinding>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        [.. (await store.ListActiveAsync(now, cancellationToken)).Select(b =>
            new SipBinding(b.Aor, b.ContactUri, b.CallId, (uint)b.CSeq, b.ExpiresAt, b.Q, b.ReceivedFrom))];

    public ValueTask WriteGroupAsync(IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<SipBinding>>> changes, CancellationToken cancellationToken)
    {
        var rows = new List<KeyValuePair<string, IReadOnlyList<RegistrationBinding>>>(changes.Count);
        foreach (var (aor, bindings) in changes)
        {
            var converted = new RegistrationBinding[bindings.Count];
            for (var i = 0; i < converted.Length; i++)
            {
                var b = bindings[i];
                converted[i] = new RegistrationBinding(b.Aor, b.ContactUri, b.CallId, b.CSeq, b.ExpiresAt, b.Q, b.ReceivedFrom);
            }
            rows.Add(new(aor, converted));
        }
        return store.ReplaceManyAsync(rows, cancellationToken);
    }
}

/// <summary>
/// Loads the registrar's bindings before the SIP listeners open (registered ahead of the stack's host, so it starts
/// first) and, stopping after the stack, writes the last pending group.
/// </summary>
internal sealed class SipRegistrationStartup(GroupCommitRegistrationStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.LoadAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await store.DisposeAsync();
}
