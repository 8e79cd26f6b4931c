using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// The durable call-back list. Every write commits with synchronous=FULL before returning, so a caller that
/// answers "202 Accepted" after <see cref="AddAsync"/> has a request that survives kill -9 and power loss.
/// </summary>
public sealed class SqliteCallbackRepository(SqliteDatabase database, TimeProvider time) : ICallbackRepository
{
    internal const string Columns = """
        id AS Id, queue_id AS QueueId, channel AS Channel, address AS Address, scheduled_at AS ScheduledAt,
        priority AS Priority, original_started_at AS OriginalStartedAt, status AS Status, customer_id AS CustomerId,
        page_url AS PageUrl, topic AS Topic, product AS Product, name AS Name, im_address AS ImAddress,
        time_zone AS TimeZone, attempts AS Attempts, last_outcome AS LastOutcome, last_attempt_at AS LastAttemptAt,
        medium AS Medium
        """;

    /// <summary>
    /// The listing order of <see cref="ICallbackRepository"/>; the rowid (insertion order) makes it total. It is also the
    /// order the scheduler hands due call-backs to the core in, which breaks exact ties of priority and virtual start by
    /// hand-over: requests asked at the same instant are served in the order they were stored (not by their random ids),
    /// and the receipt, which counts the ones listed before it, can say so.
    /// </summary>
    internal const string ListOrder = "scheduled_at, priority DESC, original_started_at, rowid";

    /// <summary>What a supervisor may still change: not yet handed to the core, or interrupted by a restart.</summary>
    private static readonly string[] ChangeableStatuses = [nameof(CallbackStatus.Scheduled), nameof(CallbackStatus.Interrupted)];

    private static readonly string[] ReprioritisableStatuses = [.. ChangeableStatuses, nameof(CallbackStatus.Queued)];

    private static readonly string[] InFlightStatuses = [nameof(CallbackStatus.Queued), nameof(CallbackStatus.Dialling), nameof(CallbackStatus.Connected)];

    public async ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(InsertSql, InsertParameters(request, Now), cancellationToken: cancellationToken));
    }

    internal const string InsertSql = """
        INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status,
                               customer_id, page_url, topic, product, name, im_address, time_zone, attempts,
                               last_outcome, last_attempt_at, updated_at, medium)
        VALUES (@Id, @QueueId, @Channel, @Address, @ScheduledAt, @Priority, @OriginalStartedAt, @Status,
                @CustomerId, @PageUrl, @Topic, @Product, @Name, @ImAddress, @TimeZone, @Attempts,
                @LastOutcome, @LastAttemptAt, @UpdatedAt, @Medium)
        """;

    internal static object InsertParameters(CallbackRequest request, string now) => new
    {
        request.Id,
        request.QueueId,
        Channel = request.Channel.ToString(),
        request.Address,
        ScheduledAt = StoredTime.Write(request.ScheduledAt),
        request.Priority,
        OriginalStartedAt = StoredTime.Write(request.OriginalStartedAt),
        Status = request.Status.ToString(),
        request.CustomerId,
        request.PageUrl,
        request.Topic,
        request.Product,
        request.Name,
        request.ImAddress,
        request.TimeZone,
        request.Attempts,
        request.LastOutcome,
        LastAttemptAt = StoredTime.Write(request.LastAttemptAt),
        UpdatedAt = now,
        Medium = HelpMediums.Name(request.Medium),
    };

    public async ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM callbacks WHERE id = @Id", new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToRequest();
    }

    /// <summary>
    /// Also a queued one: a due call-back waits in the core's queue (status queued) until an agent takes it, and a
    /// supervisor must be able to move it there; the caller changes its place in the core as well.
    /// </summary>
    public ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default) =>
        UpdatePendingAsync(id, "priority = @Value", priority, cancellationToken, ReprioritisableStatuses);

    public ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default) =>
        UpdatePendingAsync(id, "scheduled_at = @Value, status = 'Scheduled'", StoredTime.Write(scheduledAt), cancellationToken);

    /// <summary>
    /// Also a queued one (waiting in the core's queue, nobody dialled yet): the caller withdraws it from the core; the
    /// voice adapter's <see cref="BeginDiallingAsync"/> then refuses to dial it and its outcome no longer applies.
    /// </summary>
    public ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        UpdatePendingAsync(id, "status = @Value", nameof(CallbackStatus.Cancelled), cancellationToken, ReprioritisableStatuses);

    public async ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition("UPDATE callbacks SET status = @Status, updated_at = @Now WHERE id = @Id",
            new { Id = id, Status = status.ToString(), Now }, cancellationToken: cancellationToken)) == 1;
    }

    public async ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(DateTimeOffset? dueBy = null,
        IReadOnlyCollection<CallbackStatus>? statuses = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM callbacks WHERE 1 = 1");
        if (dueBy is not null) sql.Append(" AND scheduled_at <= @DueBy");
        if (statuses is not null) sql.Append(" AND status IN @Statuses");
        sql.Append($" ORDER BY {ListOrder} LIMIT @Limit");
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql.ToString(), new
        {
            DueBy = StoredTime.Write(dueBy),
            Statuses = statuses?.Select(s => s.ToString()).ToArray(),
            Limit = Math.Clamp(limit, 1, 100_000),
        }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRequest())];
    }

    public async ValueTask<CallbackRequest?> BeginAttemptAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        (await BeginAttemptsAsync([id], at, cancellationToken)) is [var started] ? started : null;

    public async ValueTask<IReadOnlyList<CallbackRequest>> BeginAttemptsAsync(IReadOnlyList<string> ids, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return [];
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken);
        // One statement, prepared once and run per id: a plan's attempts share one commit (one fsync), not one each.
        await using var update = c.CreateCommand();
        update.Transaction = tx;
        update.CommandText = $"""
            UPDATE callbacks SET status = 'Queued', attempts = attempts + 1, last_attempt_at = @At, last_outcome = 'dialling',
                                 updated_at = @Now
            WHERE id = @Id AND status = 'Scheduled'
            RETURNING {Columns}
            """;
        var id = update.Parameters.Add("@Id", SqliteType.Text);
        update.Parameters.AddWithValue("@At", StoredTime.Write(at));
        update.Parameters.AddWithValue("@Now", Now);
        var parser = (Func<System.Data.Common.DbDataReader, Row>?)null;
        var started = new List<CallbackRequest>(ids.Count);
        foreach (var callbackId in ids)
        {
            id.Value = callbackId;
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) continue;
            parser ??= reader.GetRowParser<Row>();
            started.Add(parser(reader).ToRequest());
        }
        await tx.CommitAsync(cancellationToken);
        return started;
    }

    public async ValueTask<bool> BeginDiallingAsync(string id, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition("""
            UPDATE callbacks SET status = 'Dialling', updated_at = @Now WHERE id = @Id AND status = 'Queued'
            """, new { Id = id, Now }, cancellationToken: cancellationToken)) == 1;
    }

    public async ValueTask<bool> RecordOutcomeAsync(string id, CallbackStatus status, string outcome, DateTimeOffset? retryAt = null,
        CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition("""
            UPDATE callbacks SET status = @Status, last_outcome = @Outcome, scheduled_at = coalesce(@RetryAt, scheduled_at),
                                 updated_at = @Now
            WHERE id = @Id AND status IN @InFlight
            """,
            new
            {
                Id = id,
                Status = (retryAt is null ? status : CallbackStatus.Scheduled).ToString(),
                Outcome = outcome,
                RetryAt = StoredTime.Write(retryAt),
                Now,
                InFlight = InFlightStatuses,
            }, cancellationToken: cancellationToken)) == 1;
    }

    public async ValueTask<int> RecordOutcomesAsync(IReadOnlyList<CallbackOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        if (outcomes.Count == 0) return 0;
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken);
        // Prepared once, run per outcome: the outcomes of a burst of core events share one commit.
        await using var update = c.CreateCommand();
        update.Transaction = tx;
        update.CommandText = $"""
            UPDATE callbacks SET status = @Status, last_outcome = @Outcome, scheduled_at = coalesce(@RetryAt, scheduled_at),
                                 updated_at = @Now
            WHERE id = @Id AND status IN ({string.Join(", ", InFlightStatuses.Select(s => $"'{s}'"))})
            """;
        var id = update.Parameters.Add("@Id", SqliteType.Text);
        var status = update.Parameters.Add("@Status", SqliteType.Text);
        var outcome = update.Parameters.Add("@Outcome", SqliteType.Text);
        var retryAt = update.Parameters.Add("@RetryAt", SqliteType.Text);
        update.Parameters.AddWithValue("@Now", Now);
        var applied = 0;
        foreach (var o in outcomes)
        {
            id.Value = o.Id;
            status.Value = (o.RetryAt is null ? o.Status : CallbackStatus.Scheduled).ToString();
            outcome.Value = o.Outcome;
            retryAt.Value = (object?)StoredTime.Write(o.RetryAt) ?? DBNull.Value;
            applied += await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return applied;
    }

    public async ValueTask<IReadOnlyList<CallbackRequest>> RecoverInFlightAsync(CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE callbacks SET status = 'Done', last_outcome = 'connected', updated_at = @Now WHERE status = 'Connected'",
            new { Now }, tx, cancellationToken: cancellationToken));
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"""
            UPDATE callbacks SET status = 'Interrupted', last_outcome = 'interrupted', updated_at = @Now
            WHERE status = 'Dialling'
            RETURNING {Columns}
            """, new { Now }, tx, cancellationToken: cancellationToken));
        // Handed to the core but nobody was dialled yet: nothing rang, so the attempt did not happen.
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE callbacks SET status = 'Scheduled', attempts = max(attempts - 1, 0), last_outcome = 'recovered', updated_at = @Now
            WHERE status = 'Queued'
            """, new { Now }, tx, cancellationToken: cancellationToken));
        var list = rows.Select(r => r.ToRequest()).ToList();
        await tx.CommitAsync(cancellationToken);
        return list;
    }

    public async ValueTask<IReadOnlyList<string>> CompletePendingForCustomerAsync(string? customerId, string? address, string outcome,
        CancellationToken cancellationToken = default)
    {
        if (customerId is null && address is null) return [];
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        var ids = await c.QueryAsync<string>(new CommandDefinition("""
            UPDATE callbacks SET status = 'Done', last_outcome = @Outcome, updated_at = @Now
            WHERE status IN @Changeable AND (address = @Address OR customer_id = @CustomerId)
            RETURNING id
            """,
            new { Outcome = outcome, Now, Changeable = ChangeableStatuses, Address = address, CustomerId = customerId },
            cancellationToken: cancellationToken));
        return [.. ids];
    }

    private string Now => StoredTime.Write(time.GetUtcNow());

    /// <summary>Supervisor changes apply only to call-backs not yet handed to the core (or interrupted); a done or cancelled one stays as it ended.</summary>
    private async ValueTask<bool> UpdatePendingAsync(string id, string assignment, object value, CancellationToken cancellationToken,
        string[]? statuses = null)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            $"UPDATE callbacks SET {assignment}, updated_at = @Now WHERE id = @Id AND status IN @Pending",
            new { Id = id, Value = value, Now, Pending = statuses ?? ChangeableStatuses }, cancellationToken: cancellationToken)) == 1;
    }

    internal sealed record Row(string Id, string QueueId, string Channel, string Address, string ScheduledAt, long Priority,
        string OriginalStartedAt, string Status, string? CustomerId, string? PageUrl, string? Topic, string? Product,
        string? Name, string? ImAddress, string? TimeZone, long Attempts, string? LastOutcome, string? LastAttemptAt, string? Medium)
    {
        public CallbackRequest ToRequest() => new(Id, QueueId, Enum.Parse<InteractionChannel>(Channel), Address,
            StoredTime.Read(ScheduledAt), (int)Priority, StoredTime.Read(OriginalStartedAt), Enum.Parse<CallbackStatus>(Status),
            CustomerId, PageUrl, Topic, Product, Name, ImAddress, TimeZone, (int)Attempts, LastOutcome, StoredTime.ReadNullable(LastAttemptAt),
            HelpMediums.Read(Medium));
    }
}
