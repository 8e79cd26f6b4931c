using Ccgw.Core;
using Ccgw.Core.Mail;
using Ccgw.Core.Repositories;
using Ccgw.Testing;
using Ccgw.Web.Portal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Web.Tests.Portal;

/// <summary>The mailed-link logic on a fake clock: what is sent, to whom, how often, and how long a token works.</summary>
public sealed class SignInLinksTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly Accounts _accounts = new();
    private readonly LinkStore _links;
    private readonly Outbox _mail = new();
    private readonly SignInLinks _sut;

    public SignInLinksTests()
    {
        _links = new LinkStore();
        _sut = new SignInLinks(_accounts, _links, _mail,
            new PortalSettings("Demo", new Uri("https://help.example.com/"), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), 3, 10, "localhost",
                new Dictionary<string, string>()),
            _time, NullLogger<SignInLinks>.Instance);
    }

    private string TokenOf(OutgoingMail mail)
    {
        var start = mail.Body.IndexOf("token=", StringComparison.Ordinal) + "token=".Length;
        return mail.Body.Substring(start, 43);
    }

    [Fact]
    public async Task A_known_address_gets_a_link_to_the_public_url_that_works_once_and_only_its_hash_is_stored()
    {
        await _sut.HandleAsync("carol@example.com", default);
        var mail = Assert.Single(_mail.Sent);
        Assert.Equal("carol@example.com", mail.To);
        Assert.Contains("https://help.example.com/me/sign-in/link?token=", mail.Body, StringComparison.Ordinal);
        var token = TokenOf(mail);
        Assert.True(SignInLinks.IsTokenShape(token));
        Assert.DoesNotContain(_links.Rows.Keys, k => k.Contains(token, StringComparison.Ordinal));

        Assert.Equal("carol", await _sut.ConsumeAsync(token, default));
        Assert.Null(await _sut.ConsumeAsync(token, default));
    }

    [Fact]
    public async Task A_link_stops_working_when_its_time_is_up()
    {
        await _sut.HandleAsync("carol@example.com", default);
        var token = TokenOf(_mail.Sent[0]);
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(await _sut.ConsumeAsync(token, default));
    }

    [Fact]
    public async Task An_unknown_address_gets_nothing_and_a_customer_gets_at_most_the_hourly_number()
    {
        await _sut.HandleAsync("nobody@example.com", default);
        Assert.Empty(_mail.Sent);
        for (var i = 0; i < 5; i++) await _sut.HandleAsync("carol@example.com", default);
        Assert.Equal(3, _mail.Sent.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/=")]
    public async Task Malformed_tokens_sign_no_one_in(string? token) => Assert.Null(await _sut.ConsumeAsync(token, default));

    [Theory]
    [InlineData("<script>alert(1)</script>", true)]
    [InlineData("", false)]
    public void Names_are_text_checked_for_length_only(string name, bool valid)
    {
        var details = DetailsForm.Validate(new DetailsForm.Input(name, "+44 20 7946 0018", "carol@example.com", null, "voice", null, "fibre"), out var errors);
        Assert.Equal(valid, details is not null);
        Assert.Equal(valid, !errors.ContainsKey("name"));
    }

    [Fact]
    public void Oversized_and_malformed_fields_are_each_named()
    {
        var details = DetailsForm.Validate(new DetailsForm.Input(new string('x', 101), "+1 555 0100, 12", "not-an-address", "a b@c", "fax",
            new string('h', 101), string.Join(",", Enumerable.Range(0, 11).Select(i => $"i{i}"))), out var errors);
        Assert.Null(details);
        Assert.Equal(["email", "imAddress", "interests", "name", "phones", "preferredChannel", "preferredHours"], errors.Keys.Order(StringComparer.Ordinal));
    }

    private sealed class Accounts : ICustomerAccountStore
    {
        public ValueTask<string?> FindIdByEmailAsync(string email, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(email.Equals("carol@example.com", StringComparison.OrdinalIgnoreCase) ? "carol" : null);

        public ValueTask<IReadOnlyList<CustomerDetailChange>?> UpdateDetailsAsync(string customerId, CustomerDetails details, string actor,
            DateTimeOffset at, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<CustomerDetailChange>> GetChangesAsync(string customerId, int limit = 50, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    private sealed class LinkStore : ISignInLinkStore
    {
        public Dictionary<string, (string Customer, DateTimeOffset Expires, bool Used)> Rows { get; } = [];

        public ValueTask AddAsync(byte[] tokenHash, string customerId, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            Rows[Convert.ToHexString(tokenHash)] = (customerId, expiresAt, false);
            return ValueTask.CompletedTask;
        }

        public ValueTask<string?> ConsumeAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
        {
            var key = Convert.ToHexString(tokenHash);
            if (!Rows.TryGetValue(key, out var row) || row.Used || row.Expires <= now) return ValueTask.FromResult<string?>(null);
            Rows[key] = row with { Used = true };
            return ValueTask.FromResult<string?>(row.Customer);
        }
    }

    private sealed class Outbox : IMailSender
    {
        public List<OutgoingMail> Sent { get; } = [];

        public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default)
        {
            Sent.Add(mail);
            return Task.CompletedTask;
        }
    }
}
