using Ccgw.Core.Security;

namespace Ccgw.Core.Tests.Security;

/// <summary>
/// Issue 21: a credential is derived once (two PBKDF2 runs) and reused while the password it was made from is given
/// again; a changed password, user or realm makes a new one.
/// </summary>
public sealed class StoredCredentialReuseTests
{
    private static readonly StoredCredential Alice = StoredCredential.Derive("alice", "localhost", "demo-alice");

    [Fact]
    public void The_same_password_reuses_the_stored_credential()
    {
        Assert.True(Alice.IsFor("alice", "localhost", "demo-alice"));
        Assert.Same(Alice, StoredCredential.DeriveOrReuse("alice", "localhost", "demo-alice", Alice));
    }

    [Theory]
    [InlineData("alice", "localhost", "demo-alice-2")]
    [InlineData("alice2", "localhost", "demo-alice")]
    [InlineData("alice", "example.com", "demo-alice")]
    public void A_changed_password_user_or_realm_derives_a_new_credential(string user, string realm, string password)
    {
        Assert.False(Alice.IsFor(user, realm, password));
        var fresh = StoredCredential.DeriveOrReuse(user, realm, password, Alice);

        Assert.NotSame(Alice, fresh);
        Assert.NotEqual(Alice.Salt, fresh.Salt);
        Assert.Equal((user, realm), (fresh.User, fresh.Realm));
        Assert.True(fresh.Verify(password));
    }

    [Fact]
    public void Without_a_stored_credential_one_is_derived()
    {
        var fresh = StoredCredential.DeriveOrReuse("bob", "localhost", "demo-bob", previous: null);
        Assert.True(fresh.Verify("demo-bob"));
        Assert.True(fresh.IsFor("bob", "localhost", "demo-bob"));
    }
}
