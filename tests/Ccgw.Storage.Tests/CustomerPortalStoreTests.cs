using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

/// <summary>
/// Migration 0030: e-mail lookup, audited detail changes (shown on reads), one-time sign-in links, and customers' XMPP
/// credentials (migration 0010), run against each engine.
/// </summary>
public abstract class CustomerPortalStoreTests : IAsyncLifetime
{
    protected ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    protected abstract ICustomerRepository Customers { get; }
    protected abstract ICustomerAccountStore Accounts { get; }
    protected abstract ISignInLinkStore Links { get; }
    protected abstract ICustomerCredentialStore Credentials { get; }

    protected abstract Task StartDatabaseAsync();

    public abstract Task DisposeAsync();

    public async Task InitializeAsync()
    {
        await StartDatabaseAsync();
        await Customers.UpsertAsync(new Customer("carol", "Carol Clark", ["+15550100"], ["carol@localhost", "carol@example.net"],
            [new CustomerProduct("fibre-500", "Fibre 500", new DateTimeOffset(2026, 9, 2, 10, 0, 0, TimeSpan.Zero))], [],
            new PreferredContact(InteractionChannel.Im, "carol@localhost"), "carol@example.com", ["fibre"]));
    }

    [SkippableFact]
    public async Task Email_and_interests_round_trip_and_the_address_is_found_without_regard_to_case()
    {
        var carol = await Customers.GetAsync("carol");
        Assert.Equal("carol@example.com", carol!.Email);
        Assert.Equal(["fibre"], carol.Interests);
        Assert.Equal(new DateTimeOffset(2026, 9, 2, 10, 0, 0, TimeSpan.Zero), Assert.Single(carol.Products).Since);
        Assert.Empty(carol.RecentChanges!);
        Assert.Equal("carol", await Accounts.FindIdByEmailAsync("Carol@Example.COM"));
        Assert.Null(await Accounts.FindIdByEmailAsync("nobody@example.com"));
    }

    [SkippableFact]
    public async Task A_change_records_each_changed_field_with_before_and_after_and_reads_carry_it()
    {
        var at = Time.GetUtcNow();
        var changes = await Accounts.UpdateDetailsAsync("carol", new CustomerDetails("Carol C. Clark", ["+15550100", "+15550199"],
            "carol@example.com", "carol@localhost", InteractionChannel.Voice, "weekdays 9-12", ["fibre", "roaming"]), "customer", at);

        Assert.Equal(["name", "phones", "preferredChannel", "preferredHours", "interests"], changes!.Select(c => c.Field));
        var name = changes![0];
        Assert.Equal(("Carol Clark", "Carol C. Clark", "customer", at), (name.Before, name.After, name.Actor, name.At));

        var carol = (await Customers.GetAsync("carol"))!;
        Assert.Equal("Carol C. Clark", carol.Name);
        Assert.Equal(["+15550100", "+15550199"], carol.Phones);
        Assert.Equal(["carol@localhost", "carol@example.net"], carol.ImAddresses); // the second IM address is kept
        Assert.Equal(new PreferredContact(InteractionChannel.Voice, "+15550100", "weekdays 9-12"), carol.PreferredContact);
        Assert.Equal("carol", await Customers.FindByPhoneAsync("+15550199") is { } found ? found.Id : null);
        Assert.Equal(5, carol.RecentChanges!.Count);
        Assert.Equal(5, (await Accounts.GetChangesAsync("carol")).Count);

        // Unchanged details record nothing; a month later the changes are no longer "recent" on reads, but kept.
        Assert.Empty((await Accounts.UpdateDetailsAsync("carol", new CustomerDetails("Carol C. Clark", ["+15550100", "+15550199"],
            "carol@example.com", "carol@localhost", InteractionChannel.Voice, "weekdays 9-12", ["fibre", "roaming"]), "customer", at))!);
        Time.Advance(TimeSpan.FromDays(31));
        Assert.Empty((await Customers.GetAsync("carol"))!.RecentChanges!);
        Assert.Equal(5, (await Accounts.GetChangesAsync("carol")).Count);
        Assert.Null(await Accounts.UpdateDetailsAsync("nobody", new CustomerDetails("X", [], null, null, null, null, []), "customer", at));
    }

    [SkippableFact]
    public async Task A_link_works_once_and_not_after_it_expires()
    {
        var now = Time.GetUtcNow();
        byte[] once = [1, 2, 3], expiring = [4, 5, 6];
        await Links.AddAsync(once, "carol", now, now.AddMinutes(15));
        await Links.AddAsync(expiring, "carol", now, now.AddMinutes(15));

        Assert.Equal("carol", await Links.ConsumeAsync(once, now.AddMinutes(1)));
        Assert.Null(await Links.ConsumeAsync(once, now.AddMinutes(2)));
        Assert.Null(await Links.ConsumeAsync(expiring, now.AddMinutes(15)));
        Assert.Null(await Links.ConsumeAsync([9, 9, 9], now));
    }

    [SkippableFact]
    public async Task Of_many_racing_uses_of_one_link_exactly_one_signs_in()
    {
        var now = Time.GetUtcNow();
        byte[] link = [7, 7, 7];
        await Links.AddAsync(link, "carol", now, now.AddMinutes(15));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await Links.ConsumeAsync(link, now.AddMinutes(1)))));

        Assert.Equal("carol", Assert.Single(results, r => r is not null));
    }

    [SkippableFact]
    public async Task Racing_changes_each_record_as_before_what_the_record_really_held()
    {
        var at = Time.GetUtcNow();
        CustomerDetails Named(string name) => new(name, ["+15550100"], "carol@example.com", "carol@localhost", InteractionChannel.Im, null, ["fibre"]);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(async () => await Accounts.UpdateDetailsAsync("carol", Named($"Carol {i}"), "customer", at))));

        // Applied one after the other: the befores and afters form one chain from the seeded name, none lost.
        var names = results.Select(r => Assert.Single(r!, c => c.Field == "name")).ToList();
        var chain = new List<string?> { "Carol Clark" };
        while (names.FirstOrDefault(n => n.Before == chain[^1]) is { } next)
        {
            chain.Add(next.After);
            names.Remove(next);
        }
        Assert.Empty(names);
        Assert.Equal(chain[^1], (await Customers.GetAsync("carol"))!.Name);
    }

    [SkippableFact]
    public async Task The_xmpp_credential_is_kept_per_customer_and_replaced()
    {
        Assert.Null(await Credentials.GetXmppCredentialAsync("carol"));
        await Credentials.SetXmppCredentialAsync("carol", "first");
        await Credentials.SetXmppCredentialAsync("carol", "second");
        Assert.Equal("second", await Credentials.GetXmppCredentialAsync("carol"));
        Assert.Null(await Credentials.GetXmppCredentialAsync("nobody"));
    }
}

public sealed class SqliteCustomerPortalStoreTests : CustomerPortalStoreTests
{
    private readonly MigratedDatabase _db = new();
    protected override ICustomerRepository Customers => new SqliteCustomerRepository(_db.Database, Time);
    protected override ICustomerAccountStore Accounts => new SqliteCustomerAccountStore(_db.Database, Customers);
    protected override ISignInLinkStore Links => new SqliteSignInLinkStore(_db.Database);
    protected override ICustomerCredentialStore Credentials => new SqliteCustomerCredentialStore(_db.Database, Time);
    protected override Task StartDatabaseAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}

[Collection("postgres")]
public sealed class PostgresCustomerPortalStoreTests(PostgresServerFixture postgres) : CustomerPortalStoreTests
{
    private readonly MigratedPostgres _db = new(postgres);
    protected override ICustomerRepository Customers => new PostgresCustomerRepository(_db.Database, Time);
    protected override ICustomerAccountStore Accounts => new PostgresCustomerAccountStore(_db.Database);
    protected override ISignInLinkStore Links => new PostgresSignInLinkStore(_db.Database);
    protected override ICustomerCredentialStore Credentials => new PostgresCustomerCredentialStore(_db.Database, Time);
    protected override Task StartDatabaseAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}
