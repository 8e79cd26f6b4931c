using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

public sealed class TranscriptRepositoryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private readonly MigratedDatabase _db = new();
    private SqliteInteractionTranscriptRepository Repo => new(_db.Database);
    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Lines_come_back_in_order_and_appending_again_is_idempotent()
    {
        TranscriptLine[] lines =
        [
            new("i1", 2, T0.AddSeconds(5), TranscriptSender.Agent, "bob", "Hello, Bob here <b>&amp;</b>"),
            new("i1", 1, T0, TranscriptSender.Customer, null, "My invoice is wrong"),
            new("i2", 1, T0, TranscriptSender.Gateway, null, "Welcome."),
        ];
        await Repo.AppendAsync(lines);
        await Repo.AppendAsync([lines[0], new("i1", 3, T0.AddSeconds(9), TranscriptSender.Customer, null, "thanks")]);

        var transcript = await Repo.GetAsync("i1");

        Assert.Equal([1, 2, 3], transcript.Select(l => l.Sequence));
        Assert.Equal(TranscriptSender.Agent, transcript[1].Sender);
        Assert.Equal("bob", transcript[1].AgentId);
        Assert.Equal("Hello, Bob here <b>&amp;</b>", transcript[1].Body);
        Assert.Equal(T0.AddSeconds(5), transcript[1].At);
        Assert.Empty(await Repo.GetAsync("unknown"));
    }
}
