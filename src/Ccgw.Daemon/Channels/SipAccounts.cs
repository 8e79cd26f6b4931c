using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon.Channels;

/// <summary>
/// Agents' SIP digest secrets, derived once at start from the configuration (plain passwords are hashed and
/// dropped; <c>PasswordHash</c> already holds the HA1 values). Supervisors have no phone and are not SIP users.
/// </summary>
internal sealed class SipAccounts : ISipCredentialStore
{
    private readonly Dictionary<string, SipCredentials> _byUser = new(StringComparer.Ordinal);
    private readonly string _realm;

    public SipAccounts(GatewayOptions options)
    {
        _realm = options.Site.SipDomain;
        foreach (var agent in options.Agents)
        {
            var credential = agent.PasswordHash is { Length: > 0 } hash && StoredCredential.TryParse(hash, out var parsed, out _)
                ? parsed
                : StoredCredential.Derive(agent.Id, _realm, agent.Password ?? "");
            _byUser[agent.Id] = new SipCredentials(agent.Id, _realm, credential.Ha1Md5, credential.Ha1Sha256);
        }
    }

    public ValueTask<SipCredentials?> FindAsync(string userName, string realm, CancellationToken cancellationToken) =>
        ValueTask.FromResult(string.Equals(realm, _realm, StringComparison.OrdinalIgnoreCase)
            ? _byUser.GetValueOrDefault(userName)
            : null);
}

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
