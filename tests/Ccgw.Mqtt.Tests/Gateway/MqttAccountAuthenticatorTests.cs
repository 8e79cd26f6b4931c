using System.Net;
using System.Text;
using Ccgw.Core.Security;
using Ccgw.Mqtt.Gateway;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>MQTT users are the configured staff with their roles; failed logins are limited per source address.</summary>
public sealed class MqttAccountAuthenticatorTests
{
    private static readonly IPEndPoint Guesser = new(IPAddress.Parse("192.0.2.7"), 50000);
    private static readonly IPEndPoint Other = new(IPAddress.Parse("192.0.2.8"), 50000);

    private readonly ManualTimeProvider _time = new();
    private readonly MqttAccountAuthenticator _authenticator;

    public MqttAccountAuthenticatorTests() => _authenticator = new MqttAccountAuthenticator(
        [new StaffLogin("alice", StaffRole.Agent, StoredCredential.Derive("alice", "example.com", "alice-secret")),
         new StaffLogin("sam", StaffRole.Supervisor, StoredCredential.Derive("sam", "example.com", "sam-secret"))],
        _time, NullLogger<MqttAccountAuthenticator>.Instance);

    private ValueTask<MqttAuthenticationResult> ConnectAsync(string? user, string? password, IPEndPoint? from = null) =>
        _authenticator.AuthenticateAsync(new MqttAuthenticationRequest("client", user,
            password is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(password), password is not null,
            from ?? Guesser, MqttProtocolVersion.V500), default);

    [Fact]
    public async Task Agents_and_supervisors_log_in_with_their_password_and_get_their_role()
    {
        var alice = await ConnectAsync("alice", "alice-secret");
        var sam = await ConnectAsync("sam", "sam-secret");

        Assert.True(alice.Succeeded);
        Assert.Equal("alice", alice.Identity!.Name);
        Assert.True(alice.Identity.IsInRole(ContactCenterAcl.AgentRole));
        Assert.True(sam.Identity!.IsInRole(ContactCenterAcl.SupervisorRole));
        Assert.False(sam.Identity.IsInRole(ContactCenterAcl.AgentRole));
    }

    [Fact]
    public async Task A_wrong_password_an_unknown_user_a_missing_password_and_another_case_are_refused()
    {
        Assert.Equal(MqttConnectRefusal.BadUserNameOrPassword, (await ConnectAsync("alice", "guess")).Refusal);
        Assert.Equal(MqttConnectRefusal.BadUserNameOrPassword, (await ConnectAsync("mallory", "alice-secret")).Refusal);
        Assert.Equal(MqttConnectRefusal.BadUserNameOrPassword, (await ConnectAsync("alice", null)).Refusal);
        Assert.Equal(MqttConnectRefusal.BadUserNameOrPassword, (await ConnectAsync("Alice", "alice-secret")).Refusal);
        Assert.False((await ConnectAsync(null, null)).Succeeded);
    }

    [Fact]
    public async Task After_too_many_failures_an_address_is_refused_even_with_the_right_password_until_the_window_passes()
    {
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
            Assert.False((await ConnectAsync("alice", "guess")).Succeeded);

        var throttled = await ConnectAsync("alice", "alice-secret");
        Assert.False(throttled.Succeeded);
        Assert.Equal(MqttConnectRefusal.NotAuthorized, throttled.Refusal);
        Assert.True((await ConnectAsync("alice", "alice-secret", Other)).Succeeded);

        _time.Advance(AuthFailureLimiter.Window);
        Assert.True((await ConnectAsync("alice", "alice-secret")).Succeeded);
    }

    [Fact]
    public async Task A_guesser_locks_out_only_the_account_it_guesses_and_a_colleague_at_the_same_address_still_logs_in()
    {
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
            Assert.False((await ConnectAsync("alice", "guess")).Succeeded);

        Assert.Equal(MqttConnectRefusal.NotAuthorized, (await ConnectAsync("alice", "alice-secret")).Refusal);
        Assert.True((await ConnectAsync("sam", "sam-secret")).Succeeded);
    }

    [Fact]
    public async Task Made_up_user_names_share_one_count()
    {
        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
            Assert.False((await ConnectAsync($"nobody{i}", "guess")).Succeeded);

        Assert.Equal(MqttConnectRefusal.NotAuthorized, (await ConnectAsync("someone-else", "guess")).Refusal);
        Assert.True((await ConnectAsync("alice", "alice-secret")).Succeeded);
    }

    [Fact]
    public async Task People_provisioned_at_run_time_log_in_at_once_and_removed_ones_no_longer_do()
    {
        var logins = new StaffLoginDirectory([new StaffLogin("alice", StaffRole.Agent, StoredCredential.Derive("alice", "example.com", "alice-secret"))]);
        var authenticator = new MqttAccountAuthenticator(logins, _time, NullLogger<MqttAccountAuthenticator>.Instance);
        Task<MqttAuthenticationResult> Connect(string user, string password) => authenticator.AuthenticateAsync(new MqttAuthenticationRequest("c", user,
            Encoding.UTF8.GetBytes(password), true, Other, MqttProtocolVersion.V500), default).AsTask();
        Assert.False((await Connect("dave", "dave-secret")).Succeeded);

        logins.Set(new StaffLogin("dave", StaffRole.Supervisor, StoredCredential.Derive("dave", "example.com", "dave-secret")));
        var dave = await Connect("dave", "dave-secret");
        logins.Remove("alice");

        Assert.True(dave.Succeeded);
        Assert.True(dave.Identity!.IsInRole(ContactCenterAcl.SupervisorRole));
        Assert.False((await Connect("alice", "alice-secret")).Succeeded);
    }
}

/// <summary>Issue 19: the consoles connect with one-time tokens bound to one staff member, never with the password.</summary>
public sealed class StaffTokenLoginTests
{
    private static readonly IPEndPoint From = new(IPAddress.Parse("192.0.2.9"), 50000);
    private readonly ManualTimeProvider _time = new();
    private readonly StaffMqttTokens _tokens;
    private readonly MqttAccountAuthenticator _authenticator;

    public StaffTokenLoginTests()
    {
        _tokens = new StaffMqttTokens(_time);
        _authenticator = new MqttAccountAuthenticator(
            [new StaffLogin("alice", StaffRole.Agent, StoredCredential.Derive("alice", "example.com", "alice-secret")),
             new StaffLogin("bob", StaffRole.Agent, StoredCredential.Derive("bob", "example.com", "bob-secret"))],
            _time, NullLogger<MqttAccountAuthenticator>.Instance, _tokens);
    }

    private ValueTask<MqttAuthenticationResult> ConnectAsync(string user, string password) =>
        _authenticator.AuthenticateAsync(new MqttAuthenticationRequest("client", user, Encoding.UTF8.GetBytes(password), true,
            From, MqttProtocolVersion.V500), default);

    [Fact]
    public async Task A_token_logs_its_staff_member_in_once()
    {
        var token = _tokens.Issue("alice", "session-1")!;
        var first = await ConnectAsync("alice", token);
        Assert.True(first.Succeeded);
        Assert.Equal("alice", first.Identity!.Name);
        Assert.False((await ConnectAsync("alice", token)).Succeeded); // spent
        Assert.True((await ConnectAsync("alice", "alice-secret")).Succeeded); // passwords still work for other clients
    }

    [Fact]
    public async Task A_token_is_refused_for_another_user_after_expiry_and_after_sign_out()
    {
        Assert.False((await ConnectAsync("bob", _tokens.Issue("alice", "s1")!)).Succeeded);

        var late = _tokens.Issue("alice", "s2")!;
        _time.Advance(StaffMqttTokens.Lifetime + TimeSpan.FromSeconds(1));
        Assert.False((await ConnectAsync("alice", late)).Succeeded);

        var revoked = _tokens.Issue("alice", "s3")!;
        _tokens.RevokeSession("s3");
        Assert.False((await ConnectAsync("alice", revoked)).Succeeded);
        Assert.Null(_tokens.Issue("alice", "s3"));
        Assert.True(_tokens.IsRevoked("s3"));
        Assert.False((await ConnectAsync("alice", StaffMqttTokens.Prefix + "made-up")).Succeeded);
    }
}
