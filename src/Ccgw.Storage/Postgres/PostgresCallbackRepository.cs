using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// The durable call-back list on PostgreSQL: the same statements and rules as <see cref="SqliteCallbackRepository"/>.
/// Every write is one transaction that first takes the call-back writers' advisory lock
/// (<see cref="PostgresDatabase.CallbackWriteLock"/>), as SQLite's writers take their turn; a commit has returned
/// once PostgreSQL made it durable (synchronous_commit on), so a 202 after <see cref="AddAsync"/> survives a crash.
/// </summary>
public sealed class PostgresCallbackRepository(PostgresDatabase database, TimeProvider time) : ICallbackRepository
{
    /// <summary>The columns of <see cref="Read"/>, in its order.</summary>
    internal const string Columns = """
        id, queue_id, channel, address, scheduled_at, priority, original_started_at, status, customer_id, page_url, topic,
        product, name, im_address, time_zone, attempts, last_outcome, last_attempt_at, medium
        """;

    /// <summary>
    /// The listing order of <see cref="ICallbackRepository"/>. SQLite breaks exact ties by rowid (insertion order); the
    /// PostgreSQL twin of <c>callbacks</c> has no insertion-order column (no migration may add one in this change), so
    /// ties go by id (byte order): still total and the same on every node, but not the order of storing.
    /// </summary>
    internal const string ListOrder = "scheduled_at, priority DESC, original_started_at, id COLLATE \"C\"";

    private static readonly string[] ChangeableStatuses = [nameof(CallbackStatus.Scheduled), nameof(CallbackStatus.Interrupted)];

    private static readonly string[] ReprioritisableStatuses = [.. ChangeableStatuses, nameof(CallbackStatus.Queued)];

    private static readonly string[] InFlightStatuses = [nameof(CallbackStatus.Queued), nameof(CallbackStatus.Dialling), nameof(CallbackStatus.Connected)];

    internal const string InsertSql = """
        INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status,
                               customer_id, page_url, topic, product, name, im_address, time_zone, attempts,
                               last_outcome, last_attempt_at, updated_at, medium)
        VALUES (@Id, @QueueId, @Channel, @Address, @ScheduledAt, @Priority, @OriginalStartedAt, @Status,
                @CustomerId, @PageUrl, @Topic, @Product, @Name, @ImAddress, @TimeZone, @Attempts,
                @LastOutcome, @LastAttemptAt, @UpdatedAt, @Medium)
        """;

    private Task AddCoreAsync(CallbackRequest request, CancellationToken cancellationToken) =>
        database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            await using var insert = Insert(c, tx, request, Now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public async ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default) =>
        await AddCoreAsync(request, cancellationToken);

    internal static NpgsqlCommand Insert(NpgsqlConnection c, NpgsqlTransaction tx, CallbackRequest r, string now, string? suffix = null) =>
        Pg.Command(c, tx, InsertSql + suffix)
            .Text("Id", r.Id).Text("QueueId", r.QueueId).Text("Channel", r.Channel.ToString()).Text("Address", r.Address)
            .Text("ScheduledAt", StoredTime.Write(r.ScheduledAt)).Int("Priority", r.Priority)
            .Text("OriginalStartedAt", StoredTime.Write(r.OriginalStartedAt)).Text("Status", r.Status.ToString())
            .Text("CustomerId", r.CustomerId).Text("PageUrl", r.PageUrl).Text("Topic", r.Topic).Text("Product", r.Product)
            .Text("Name", r.Name).Text("ImAddress", r.ImAddress).Text("TimeZone", r.TimeZone).Int("Attempts", r.Attempts)
            .Text("LastOutcome", r.LastOutcome).Text("LastAttemptAt", StoredTime.Write(r.LastAttemptAt)).Text("UpdatedAt", now)
            .Text("Medium", HelpMediums.Name(r.Medium));

    public async ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var select = Pg.Command(c, null, $"SELECT {Columns} FROM callbacks WHERE id = @Id").Text("Id", id);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Also a queued one, as on SQLite: the caller changes its place in the core as well.</summary>
    public ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default) =>
        UpdatePendingAsync(id, "priority = @Priority", cmd => cmd.Int("Priority", priority), ReprioritisableStatuses, cancellationToken);

    public ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default) =>
        UpdatePendingAsync(id, "scheduled_at = @ScheduledAt, status = 'Scheduled'", cmd => cmd.Text("ScheduledAt", StoredTime.Write(scheduledAt)),
            ChangeableStatuses, cancellationToken);

    public ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        UpdatePendingAsync(id, "status = 'Cancelled'", _ => { }, ReprioritisableStatuses, cancellationToken);

    public async ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default) =>
        await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            await using var update = Pg.Command(c, tx, "UPDATE callbacks SET status = @Status, updated_at = @Now WHERE id = @Id")
                .Text("Status", status.ToString()).Text("Now", Now).Text("Id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(DateTimeOffset? dueBy = null,
        IReadOnlyCollection<CallbackStatus>? statuses = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM callbacks WHERE TRUE");
        if (dueBy is not null) sql.Append(" AND scheduled_at <= @DueBy");
        if (statuses is not null) sql.Append(" AND status = ANY(@Statuses)");
        sql.Append($" ORDER BY {ListOrder} LIMIT @Limit");
        await using var c = await database.OpenAsync(cancellationToken);
        await using var select = Pg.Command(c, null, sql.ToString()).Int("Limit", Math.Clamp(limit, 1, 100_000));
        if (dueBy is not null) select.Text("DueBy", StoredTime.Write(dueBy));
        if (statuses is not null) select.Texts("Statuses", [.. statuses.Select(s => s.ToString())]);
        return await ReadAllAsync(select, cancellationToken);
    }

    public async ValueTask<CallbackRequest?> BeginAttemptAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        (await BeginAttemptsAsync([id], at, cancellationToken)) is [var started] ? started : null;

    public async ValueTask<IReadOnlyList<CallbackRequest>> BeginAttemptsAsync(IReadOnlyList<string> ids, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return [];
        return await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            // Prepared once, run per id: a plan's attempts share one commit.
            await using var update = Pg.Command(c, tx, $"""
                UPDATE callbacks SET status = 'Queued', attempts = attempts + 1, last_attempt_at = @At, last_outcome = 'dialling',
                                     updated_at = @Now
                WHERE id = @Id AND status = 'Scheduled'
                RETURNING {Columns}
                """).Text("At", StoredTime.Write(at)).Text("Now", Now).Text("Id", null);
            await update.PrepareAsync(cancellationToken);
            var started = new List<CallbackRequest>(ids.Count);
            foreach (var callbackId in ids)
            {
                update.Parameters["Id"].Value = callbackId;
                await using var reader = await update.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken)) started.Add(Read(reader));
            }
            return (IReadOnlyList<CallbackRequest>)started;
        }, cancellationToken);
    }

    public async ValueTask<bool> BeginDiallingAsync(string id, CancellationToken cancellationToken = default) =>
        await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            await using var update = Pg.Command(c, tx, "UPDATE callbacks SET status = 'Dialling', updated_at = @Now WHERE id = @Id AND status = 'Queued'")
                .Text("Now", Now).Text("Id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public async ValueTask<bool> RecordOutcomeAsync(string id, CallbackStatus status, string outcome, DateTimeOffset? retryAt = null,
        CancellationToken cancellationToken = default) =>
        await RecordOutcomesAsync([new CallbackOutcome(id, status, outcome, retryAt)], cancellationToken) == 1;

    public async ValueTask<int> RecordOutcomesAsync(IReadOnlyList<CallbackOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        if (outcomes.Count == 0) return 0;
        return await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            await using var update = Pg.Command(c, tx, """
                UPDATE callbacks SET status = @Status, last_outcome = @Outcome, scheduled_at = coalesce(@RetryAt, scheduled_at),
                                     updated_at = @Now
                WHERE id = @Id AND status = ANY(@InFlight)
                """).Text("Status", null).Text("Outcome", null).Text("RetryAt", null).Text("Now", Now).Text("Id", null)
                .Texts("InFlight", InFlightStatuses);
            await update.PrepareAsync(cancellationToken);
            var applied = 0;
            foreach (var o in outcomes)
            {
                update.Parameters["Status"].Value = (o.RetryAt is null ? o.Status : CallbackStatus.Scheduled).ToString();
                update.Parameters["Outcome"].Value = o.Outcome;
                update.Parameters["RetryAt"].Value = (object?)StoredTime.Write(o.RetryAt) ?? DBNull.Value;
                update.Parameters["Id"].Value = o.Id;
                applied += await update.ExecuteNonQueryAsync(cancellationToken);
            }
            return applied;
        }, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<CallbackRequest>> RecoverInFlightAsync(CancellationToken cancellationToken = default) =>
        await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            var now = Now;
            await using (var done = Pg.Command(c, tx,
                "UPDATE callbacks SET status = 'Done', last_outcome = 'connected', updated_at = @Now WHERE status = 'Connected'").Text("Now", now))
                await done.ExecuteNonQueryAsync(cancellationToken);
            IReadOnlyList<CallbackRequest> interrupted;
            await using (var update = Pg.Command(c, tx, $"""
                UPDATE callbacks SET status = 'Interrupted', last_outcome = 'interrupted', updated_at = @Now
                WHERE status = 'Dialling'
                RETURNING {Columns}
                """).Text("Now", now))
                interrupted = await ReadAllAsync(update, cancellationToken);
            // Handed to the core but nobody was dialled yet: nothing rang, so the attempt did not happen.
            await using (var requeue = Pg.Command(c, tx, """
                UPDATE callbacks SET status = 'Scheduled', attempts = greatest(attempts - 1, 0), last_outcome = 'recovered', updated_at = @Now
                WHERE status = 'Queued'
                """).Text("Now", now))
                await requeue.ExecuteNonQueryAsync(cancellationToken);
            return interrupted;
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<string>> CompletePendingForCustomerAsync(string? customerId, string? address, string outcome,
        CancellationToken cancellationToken = default)
    {
        if (customerId is null && address is null) return [];
        return await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            await using var update = Pg.Command(c, tx, """
                UPDATE callbacks SET status = 'Done', last_outcome = @Outcome, updated_at = @Now
                WHERE status = ANY(@Changeable) AND (address = @Address OR customer_id = @CustomerId)
                RETURNING id
                """).Text("Outcome", outcome).Text("Now", Now).Texts("Changeable", ChangeableStatuses)
                .Text("Address", address).Text("CustomerId", customerId);
            var ids = new List<string>();
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
            return (IReadOnlyList<string>)ids;
        }, cancellationToken);
    }

    private string Now => StoredTime.Write(time.GetUtcNow());

    /// <summary>Supervisor changes apply only to call-backs in <paramref name="statuses"/>; a done or cancelled one stays as it ended.</summary>
    private async ValueTask<bool> UpdatePendingAsync(string id, string assignment, Action<NpgsqlCommand> value, string[] statuses,
        CancellationToken cancellationToken) =>
        await database.WriteAsync(callbacks: true, async (c, tx) =>
        {
            await using var update = Pg.Command(c, tx, $"UPDATE callbacks SET {assignment}, updated_at = @Now WHERE id = @Id AND status = ANY(@Pending)")
                .Text("Now", Now).Text("Id", id).Texts("Pending", statuses);
            value(update);
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    internal static async Task<IReadOnlyList<CallbackRequest>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<CallbackRequest>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) list.Add(Read(reader));
        return list;
    }

    /// <summary>One row of <see cref="Columns"/>, from ordinal 0.</summary>
    internal static CallbackRequest Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), Enum.Parse<InteractionChannel>(r.GetString(2)), r.GetString(3), StoredTime.Read(r.GetString(4)),
        r.GetInt32(5), StoredTime.Read(r.GetString(6)), Enum.Parse<CallbackStatus>(r.GetString(7)), r.TextOrNull(8), r.TextOrNull(9),
        r.TextOrNull(10), r.TextOrNull(11), r.TextOrNull(12), r.TextOrNull(13), r.TextOrNull(14), r.GetInt32(15), r.TextOrNull(16),
        StoredTime.ReadNullable(r.TextOrNull(17)), HelpMediums.Read(r.TextOrNull(18)));
}
