using System.Text.Json;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteWizardRepository"/> (migration 0035). Saving and publishing take a
/// transaction-scoped advisory lock on the wizard's id where SQLite relies on its one writer: two editors saving the
/// same wizard (on one daemon or both of a pair) then edit one draft one after the other instead of both numbering a
/// new version.
/// </summary>
public sealed class PostgresWizardRepository(PostgresDatabase database, TimeProvider time) : IWizardRepository
{
    private const string Columns = """
        wizard_id AS WizardId, version::bigint AS Version, status AS Status, content_json AS ContentJson, saved_at AS SavedAt,
        published_at AS PublishedAt
        """;

    public async ValueTask<IReadOnlyList<WizardSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<SummaryRow>(new CommandDefinition("""
            SELECT wizard_id AS WizardId,
                   coalesce(max(CASE WHEN status = 'draft' THEN title END), max(CASE WHEN status = 'published' THEN title END), max(title)) AS Title,
                   max(CASE WHEN status = 'published' THEN version END)::bigint AS PublishedVersion,
                   max(CASE WHEN status = 'draft' THEN version END)::bigint AS DraftVersion,
                   max(CASE WHEN status = 'published' THEN published_at END) AS PublishedAt
            FROM wizard_versions GROUP BY wizard_id
            HAVING max(CASE WHEN status IN ('draft', 'published') THEN 1 ELSE 0 END) = 1
            ORDER BY wizard_id COLLATE "C"
            """, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new WizardSummary(r.WizardId, r.Title, (int?)r.PublishedVersion, (int?)r.DraftVersion,
            StoredTime.ReadNullable(r.PublishedAt)))];
    }

    public async ValueTask<WizardVersion?> GetAsync(string wizardId, WizardVersionStatus status, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM wizard_versions WHERE wizard_id = @Id AND status = @Status",
            new { Id = wizardId, Status = Name(status) }, cancellationToken: cancellationToken));
        return row?.ToVersion();
    }

    public async ValueTask<IReadOnlyList<WizardVersion>> ListPublishedAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<VersionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM wizard_versions WHERE status = 'published' ORDER BY wizard_id COLLATE \"C\"", cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToVersion())];
    }

    public async ValueTask<WizardVersion> SaveDraftAsync(WizardContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockAsync(c, tx, content.Id, cancellationToken);
        var now = StoredTime.Write(time.GetUtcNow());
        var json = JsonSerializer.Serialize(content, SqliteWizardRepository.Json);
        var draft = await c.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT version FROM wizard_versions WHERE wizard_id = @Id AND status = 'draft'", new { content.Id }, tx, cancellationToken: cancellationToken));
        long version;
        if (draft is { } existing)
        {
            version = existing;
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE wizard_versions SET title = @Title, content_json = @Json, saved_at = @Now WHERE wizard_id = @Id AND version = @Version",
                new { content.Id, content.Title, Json = json, Now = now, Version = (int)version }, tx, cancellationToken: cancellationToken));
        }
        else
        {
            version = 1 + await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT coalesce(max(version), 0) FROM wizard_versions WHERE wizard_id = @Id", new { content.Id }, tx, cancellationToken: cancellationToken));
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO wizard_versions (wizard_id, version, status, title, content_json, saved_at)
                VALUES (@Id, @Version, 'draft', @Title, @Json, @Now)
                """, new { content.Id, Version = (int)version, content.Title, Json = json, Now = now }, tx, cancellationToken: cancellationToken));
        }
        await tx.CommitAsync(cancellationToken);
        return new WizardVersion(content.Id, (int)version, WizardVersionStatus.Draft, content, StoredTime.Read(now), null);
    }

    public async ValueTask<WizardVersion?> PublishAsync(string wizardId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockAsync(c, tx, wizardId, cancellationToken);
        var draft = await c.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM wizard_versions WHERE wizard_id = @Id AND status = 'draft'", new { Id = wizardId }, tx,
            cancellationToken: cancellationToken));
        if (draft is null) return null;
        var now = StoredTime.Write(time.GetUtcNow());
        // Retire first: the partial unique index allows one published version per wizard at any moment.
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE wizard_versions SET status = 'retired' WHERE wizard_id = @Id AND status = 'published'", new { Id = wizardId }, tx,
            cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE wizard_versions SET status = 'published', published_at = @Now WHERE wizard_id = @Id AND version = @Version",
            new { Id = wizardId, Version = (int)draft.Version, Now = now }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return draft.ToVersion() with { Status = WizardVersionStatus.Published, PublishedAt = StoredTime.Read(now) };
    }

    public async ValueTask<bool> DeleteDraftAsync(string wizardId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM wizard_versions WHERE wizard_id = @Id AND status = 'draft'", new { Id = wizardId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>One writer per wizard until the transaction ends (the key is a 64-bit hash of the id: a collision only serialises two wizards).</summary>
    private static Task LockAsync(NpgsqlConnection c, NpgsqlTransaction tx, string wizardId, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@Key, 0))", new { Key = "ccgw-wizard:" + wizardId }, tx,
            cancellationToken: cancellationToken));

    private static string Name(WizardVersionStatus status) => status switch
    {
        WizardVersionStatus.Draft => "draft",
        WizardVersionStatus.Published => "published",
        _ => "retired",
    };

    private sealed class SummaryRow
    {
        public string WizardId { get; set; } = "";
        public string Title { get; set; } = "";
        public long? PublishedVersion { get; set; }
        public long? DraftVersion { get; set; }
        public string? PublishedAt { get; set; }
    }

    private sealed record VersionRow(string WizardId, long Version, string Status, string ContentJson, string SavedAt, string? PublishedAt)
    {
        public WizardVersion ToVersion() => new(WizardId, (int)Version,
            Status switch { "draft" => WizardVersionStatus.Draft, "published" => WizardVersionStatus.Published, _ => WizardVersionStatus.Retired },
            JsonSerializer.Deserialize<WizardContent>(ContentJson, SqliteWizardRepository.Json) ?? throw new StorageException($"wizard {WizardId} v{Version}: empty content"),
            StoredTime.Read(SavedAt), StoredTime.ReadNullable(PublishedAt));
    }
}
