namespace Ccgw.Core.Security;

/// <summary>What a configured person may do once logged in; each protocol maps it to its own roles.</summary>
public enum StaffRole
{
    Agent,
    Supervisor,
}

/// <summary>
/// A configured agent or supervisor with the credential every protocol checks (SIP digest, XMPP SCRAM, MQTT and admin
/// passwords), derived or parsed once at start so that the protocols share one derivation and one rule for it.
/// </summary>
public sealed record StaffLogin(string Id, StaffRole Role, StoredCredential Credential);
