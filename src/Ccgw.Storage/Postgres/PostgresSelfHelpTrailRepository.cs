using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>PostgreSQL twin of <see cref="SqliteSelfHelpTrailRepository"/> (migration 0035); ids come from an identity column.</summary>
public sealed class PostgresSelfHelpTrailRepository(PostgresDatabase database) : ISelfHelpTrailRepository
{
    private const string Select = """
        SELECT id AS Id, customer_id AS CustomerId, wizard_id AS WizardId, wizard_version::bigint AS WizardVersion, step_id AS StepId,
               step_title AS StepTitle, at AS At, interaction_id AS InteractionId FROM self_help_trail
        """;

    public async ValueTask<SelfHelpTrailEntry> AppendAsync(string customerId, string wizardId, int wizardVersion, string stepId, string stepTitle,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO self_help_trail (customer_id, wizard_id, wizard_version, step_id, step_title, at)
            VALUES (@CustomerId, @WizardId, @WizardVersion, @StepId, @StepTitle, @At) RETURNING id
            """,
            new { CustomerId = customerId, WizardId = wizardId, WizardVersion = wizardVersion, StepId = stepId, StepTitle = stepTitle, At = StoredTime.Write(at) },
            cancellationToken: cancellationToken));
        return new SelfHelpTrailEntry(id, customerId, wizardId, wizardVersion, stepId, stepTitle, at, null);
    }

    public async ValueTask<IReadOnlyList<SelfHelpTrailEntry>> ClaimForInteractionAsync(string customerId, string interactionId, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        // A claim racing this one for another interaction waits on the rows this update locks, then finds them claimed.
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE self_help_trail SET interaction_id = @Interaction WHERE customer_id = @Customer AND interaction_id IS NULL",
            new { Customer = customerId, Interaction = interactionId }, tx, cancellationToken: cancellationToken));
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"{Select} WHERE customer_id = @Customer AND interaction_id = @Interaction ORDER BY id DESC LIMIT @Limit",
            new { Customer = customerId, Interaction = interactionId, Limit = Math.Clamp(limit, 1, 1000) }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return [.. rows.Reverse().Select(r => r.ToEntry())];
    }

    public async ValueTask<IReadOnlyList<SelfHelpTrailEntry>> ListAsync(string customerId, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"{Select} WHERE customer_id = @Customer ORDER BY id DESC LIMIT @Limit",
            new { Customer = customerId, Limit = Math.Clamp(limit, 1, 1000) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToEntry())];
    }

    private sealed record Row(long Id, string CustomerId, string WizardId, long WizardVersion, string StepId, string StepTitle, string At,
        string? InteractionId)
    {
        public SelfHelpTrailEntry ToEntry() =>
            new(Id, CustomerId, WizardId, (int)WizardVersion, StepId, StepTitle, StoredTime.Read(At), InteractionId);
    }
}
