using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>Migration 0050: invitations kept for history, answered once while current; racing answers get one winner.</summary>
public sealed class InvitationStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly MigratedDatabase _db = new();
    private SqliteInvitationRepository Store => new(_db.Database);

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    private static Invitation New(string id, InvitationDirection direction, DateTimeOffset at) =>
        new(id, direction, "alice", "carol", "chat", InvitationState.Pending, at, at.AddMinutes(5));

    [Fact]
    public async Task Invitations_round_trip_newest_first_and_take_one_answer_while_current()
    {
        await Store.AddAsync(New("inv-1", InvitationDirection.AgentToCustomer, T0));
        await Store.AddAsync(New("inv-2", InvitationDirection.CustomerToAgent, T0.AddMinutes(1)));

        var all = await Store.ForCustomerAsync("carol", 10);
        Assert.Equal(["inv-2", "inv-1"], all.Select(i => i.Id));
        Assert.Equal(InvitationDirection.CustomerToAgent, all[0].Direction);
        Assert.Equal(T0.AddMinutes(6), all[0].ExpiresAt);
        Assert.Empty(await Store.ForCustomerAsync("dave", 10));

        var accepted = await Store.AnswerAsync("inv-1", accept: true, T0.AddMinutes(2));
        Assert.Equal(InvitationState.Accepted, accepted!.State);
        Assert.Equal(T0.AddMinutes(2), accepted.AnsweredAt);
        // Answered already: the second answer changes nothing.
        Assert.Null(await Store.AnswerAsync("inv-1", accept: false, T0.AddMinutes(3)));
        Assert.Equal(InvitationState.Accepted, (await Store.GetAsync("inv-1"))!.State);
        // Expired: no answer is taken.
        Assert.Null(await Store.AnswerAsync("inv-2", accept: true, T0.AddMinutes(6)));
        Assert.Equal(InvitationState.Pending, (await Store.GetAsync("inv-2"))!.State);
        Assert.Null(await Store.AnswerAsync("inv-unknown", accept: true, T0));
    }

    [Fact]
    public async Task Two_racing_answers_get_one_winner()
    {
        await Store.AddAsync(New("inv-race", InvitationDirection.AgentToCustomer, T0));
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Store.AnswerAsync("inv-race", n % 2 == 0, T0.AddMinutes(1)).AsTask()));
        Assert.Single(answers, a => a is not null);
    }
}
