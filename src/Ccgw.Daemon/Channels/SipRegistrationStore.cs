using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon.Channels;

/// <summary>The registrar's bindings in the storage engine, so agents' phones stay registered across a restart.</summary>
internal sealed class SipRegistrationStore(IRegistrationBindingStore store) : IRegistrationStore
{
    public async ValueTask<IReadOnlyList<SipBinding>> GetBindingsAsync(string aor, CancellationToken cancellationToken) =>
        [.. (await store.GetAsync(aor, cancellationToken)).Select(b =>
            new SipBinding(b.Aor, b.ContactUri, b.CallId, (uint)b.CSeq, b.ExpiresAt, b.Q, b.ReceivedFrom))];

    public ValueTask ReplaceBindingsAsync(string aor, IReadOnlyList<SipBinding> bindings, CancellationToken cancellationToken) =>
        store.ReplaceAsync(aor, [.. bindings.Select(b =>
            new RegistrationBinding(b.Aor, b.ContactUri, b.CallId, b.CSeq, b.ExpiresAt, b.Q, b.ReceivedFrom))], cancellationToken);
}
