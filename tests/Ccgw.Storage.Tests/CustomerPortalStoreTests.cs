using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

/// <summary>Migration 0030: e-mail lookup, audited detail changes (shown on reads), one-time sign-in links.</summary>
public sealed class CustomerPortalStoreTests : IAsyncLifetime
{
    private readonly MigratedDatabase _db = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private SqliteCustomerRepository Customers => new(_db.Database, _time);
    private SqliteCustomerAccountStore Accounts => new(_db.Database, Customers);
    private SqliteSignInLinkStore Links => new(_db.Database);

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await Customers.UpsertAsync(new Customer("carol", "Carol Clark", ["+15550100"], ["carol@localhost", "carol@example.net"],
            [new CustomerProduct("fibre-500", "Fibre 500", new DateTimeOffset(2026, 9, 2, 10, 0, 0, TimeSpan.Zero))], [],
            new PreferredContact(InteractionChannel.Im, "carol@localhost"), "carol@example.com", ["fibre"]));
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
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

    [Fact]
    public async Task A_change_records_each_changed_field_with_before_and_after_and_reads_carry_it()
    {
        var at = _time.GetUtcNow();
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
        _time.Advance(TimeSpan.FromDays(31));
        Assert.Empty((await Customers.GetAsync("carol"))!.RecentChanges!);
        Assert.Equal(5, (await Accounts.GetChangesAsync("carol")).Count);
        Assert.Null(await Accounts.UpdateDetailsAsync("nobody", new CustomerDetails("X", [], null, null, null, null, []), "customer", at));
    }

    [Fact]
    public async Task A_link_works_once_and_not_after_it_expires()
    {
        var now = _time.GetUtcNow();
        byte[] once = [1, 2, 3], expiring = [4, 5, 6];
        await Links.AddAsync(once, "carol", now, now.AddMinutes(15));
        await Links.AddAsync(expiring, "carol", now, now.AddMinutes(15));

        Assert.Equal("carol", await Links.ConsumeAsync(once, now.AddMinutes(1)));
        Assert.Null(await Links.ConsumeAsync(once, now.AddMinutes(2)));
        Assert.Null(await Links.ConsumeAsync(expiring, now.AddMinutes(15)));
        Assert.Null(await Links.ConsumeAsync([9, 9, 9], now));
    }
}
