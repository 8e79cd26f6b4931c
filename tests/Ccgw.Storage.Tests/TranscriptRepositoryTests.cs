using Ccgw.Core.Repositories;

namespace Ccgw.Storage.Tests;

public sealed class SqliteTranscriptRepositoryTests() : TranscriptRepositoryTests(new SqliteEngine());

[Collection("postgres")]
public sealed class PostgresTranscriptRepositoryTests(PostgresServerFixture postgres) : TranscriptRepositoryTests(new PostgresEngine(postgres));

public abstract class TranscriptRepositoryTests(EngineUnderTest engine) : EngineTests(engine)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private IInteractionTranscriptRepository Repo => Engine.Transcripts();

    [SkippableFact]
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
