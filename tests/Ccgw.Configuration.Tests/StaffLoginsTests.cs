using Ccgw.Configuration;
using Ccgw.Core.Security;

namespace Ccgw.Configuration.Tests;

/// <summary>The one place configured people become logins for every protocol (SIP, XMPP, MQTT).</summary>
public sealed class StaffLoginsTests
{
    [Fact]
    public void Agents_then_supervisors_with_their_role_a_password_derived_for_the_sip_domain_and_a_hash_taken_as_it_is()
    {
        var hashed = StoredCredential.Derive("alice", "localhost", "demo-alice", iterations: 5000);
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Agents"]![0]!.AsObject().Remove("Password");
            d["Agents"]![0]!["PasswordHash"] = hashed.ToString();
        });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var options = loaded.Options;

        var logins = CoreDefinitions.StaffLogins(options);

        Assert.Equal([.. options.Agents.Select(a => a.Id), .. options.Supervisors.Select(s => s.Id)], logins.Select(l => l.Id));
        Assert.All(logins.Take(options.Agents.Count), l => Assert.Equal(StaffRole.Agent, l.Role));
        Assert.All(logins.Skip(options.Agents.Count), l => Assert.Equal(StaffRole.Supervisor, l.Role));
        Assert.Equal(hashed.ToString(), logins[0].Credential.ToString());
        var derived = logins[1];
        Assert.Equal(options.Site.SipDomain, derived.Credential.Realm);
        Assert.Equal(derived.Id, derived.Credential.User);
        Assert.True(derived.Credential.Verify(options.Agents[1].Password!));
    }
}
