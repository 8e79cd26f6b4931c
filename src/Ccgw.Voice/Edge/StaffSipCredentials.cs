using Ccgw.Core.Security;
using Ccgw.Sip.Auth;

namespace Ccgw.Voice.Edge;

/// <summary>
/// The registrar's digest secrets: agents of the live login directory (configured, then provisioned at run time), read
/// at each challenge so a new agent's phone registers at once and a removed agent's cannot. Supervisors have no phone.
/// Only the HA1 values of the stored credential are used; they are bound to the site's SIP domain, the only realm.
/// </summary>
public sealed class StaffSipCredentials(ILoginDirectory logins, string siteRealm) : ISipCredentialStore
{
    public ValueTask<SipCredentials?> FindAsync(string userName, string realm, CancellationToken cancellationToken) =>
        ValueTask.FromResult(string.Equals(realm, siteRealm, StringComparison.OrdinalIgnoreCase) && logins.Find(userName) is { Role: StaffRole.Agent } login
            ? new SipCredentials(login.Id, siteRealm, login.Credential.Ha1Md5, login.Credential.Ha1Sha256)
            : null);
}
