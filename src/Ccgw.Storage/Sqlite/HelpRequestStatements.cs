using Ccgw.Core;
using Ccgw.Core.Repositories;
using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// The help request writer's connection and its statements, prepared once and executed for every request with new
/// parameter values. Through Dapper each execution was a new command (SQL parsed and prepared again, and an
/// <c>IN @list</c> expanded into new SQL text every time); here SQLite compiles each statement once per connection.
/// Owned by the single writer; not thread-safe.
/// </summary>
internal sealed class HelpRequestStatements : IAsyncDisposable
{
    /// <summary>Statuses that a second request for the same customer and topic merges into.</summary>
    private static readonly string Pending = InList(CallbackStatus.Scheduled, CallbackStatus.Queued, CallbackStatus.Dialling, CallbackStatus.Interrupted);

    /// <summary>Statuses that count for positions (due and waiting to be served).</summary>
    private static readonly string Counted = InList(CallbackStatus.Scheduled, CallbackStatus.Queued);

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _changesAfter;
    private readonly SqliteCommand _lastChange;
    private readonly SqliteCommand _countedOne;
    private readonly SqliteCommand _customer;
    private readonly SqliteCommand _pending;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _slotCount;
    private readonly SqliteCommand _counted;
    private readonly SqliteCommand _askedForAddress;
    private readonly SqliteCommand _askedFromSource;
    private readonly SqliteCommand _createdForQueue;
    private readonly SqliteCommand _logIntake;
    private readonly SqliteCommand _purgeIntake;
    private readonly SqliteCommand _insertAlias;
    private readonly SqliteCommand[] _all;

    private HelpRequestStatements(SqliteConnection connection)
    {
        _connection = connection;
        _changesAfter = Command("SELECT seq, id FROM callback_changes WHERE seq > @After ORDER BY seq LIMIT @Limit", "@After", "@Limit");
        _lastChange = Command("SELECT coalesce(max(seq), 0) FROM callback_changes");
        _countedOne = Command($"SELECT queue_id, scheduled_at, priority, original_started_at, rowid FROM callbacks WHERE id = @Id AND status IN {Counted}", "@Id");
        _customer = Command("SELECT customer_id FROM customer_phones WHERE phone = @Address ORDER BY customer_id LIMIT 1", "@Address");
        // Two index searches, not "address = @A OR customer_id = @C": without ANALYZE statistics SQLite plans that OR as
        // a scan of the whole queue (callbacks_by_queue_time), which made every request cost O(queue length).
        _pending = Command($"""
            SELECT {SqliteCallbackRepository.Columns}, rowid FROM callbacks
            WHERE rowid IN (SELECT rowid FROM callbacks WHERE address = @Address AND queue_id = @Queue AND status IN {Pending}
                            UNION ALL
                            SELECT rowid FROM callbacks WHERE customer_id = @CustomerId AND queue_id = @Queue AND status IN {Pending})
            ORDER BY original_started_at LIMIT 1
            """, "@Address", "@Queue", "@CustomerId");
        _insert = Command(SqliteCallbackRepository.InsertSql + " RETURNING rowid", "@Id", "@QueueId", "@Channel", "@Address",
            "@ScheduledAt", "@Priority", "@OriginalStartedAt", "@Status", "@CustomerId", "@PageUrl", "@Topic", "@Product", "@Name",
            "@ImAddress", "@TimeZone", "@Attempts", "@LastOutcome", "@LastAttemptAt", "@UpdatedAt", "@Medium");
        _update = Command("""
            UPDATE callbacks SET scheduled_at = @ScheduledAt, status = @Status, page_url = @PageUrl, name = @Name,
                                 im_address = @ImAddress, time_zone = @TimeZone, customer_id = @CustomerId, updated_at = @UpdatedAt,
                                 medium = @Medium
            WHERE id = @Id
            """, "@ScheduledAt", "@Status", "@PageUrl", "@Name", "@ImAddress", "@TimeZone", "@CustomerId", "@UpdatedAt", "@Medium", "@Id");
        _slotCount = Command("""
            SELECT count(*) FROM callbacks
            WHERE queue_id = @Queue AND scheduled_at >= @From AND scheduled_at < @To AND status <> 'Cancelled' AND id <> @Except
            """, "@Queue", "@From", "@To", "@Except");
        _counted = Command($"SELECT id, queue_id, scheduled_at, priority, original_started_at, rowid FROM callbacks WHERE status IN {Counted}");
        _askedForAddress = Command("SELECT count(*) FROM callback_intake WHERE address = @Address AND at >= @Since", "@Address", "@Since");
        _askedFromSource = Command("SELECT count(*) FROM callback_intake WHERE source = @Source AND at >= @Since", "@Source", "@Since");
        _createdForQueue = Command("SELECT count(*) FROM callback_intake WHERE queue_id = @Queue AND at >= @Since AND created = 1", "@Queue", "@Since");
        _logIntake = Command("INSERT INTO callback_intake (at, address, source, queue_id, created) VALUES (@At, @Address, @Source, @Queue, @Created)",
            "@At", "@Address", "@Source", "@Queue", "@Created");
        _purgeIntake = Command("DELETE FROM callback_intake WHERE at < @Before", "@Before");
        _insertAlias = Command("INSERT INTO callback_aliases (alias_id, callback_id, attempts_before, created_at) VALUES (@Alias, @Id, @Attempts, @At)",
            "@Alias", "@Id", "@Attempts", "@At");
        _all = [_changesAfter, _lastChange, _countedOne, _customer, _pending, _insert, _update, _slotCount, _counted,
            _askedForAddress, _askedFromSource, _createdForQueue, _logIntake, _purgeIntake, _insertAlias];
    }

    public static async Task<HelpRequestStatements> OpenAsync(SqliteDatabase database, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        try
        {
            return new HelpRequestStatements(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>BEGIN IMMEDIATE: the write lock is taken up front, so the batch never fails half-way on a busy upgrade.</summary>
    public SqliteTransaction Begin()
    {
        var tx = _connection.BeginTransaction(deferred: false);
        foreach (var command in _all) command.Transaction = tx;
        return tx;
    }

    /// <summary>The sequence of the latest change to any call-back row (migration 0021's log); 0 when none is logged.</summary>
    public long LastChange() => (long)_lastChange.ExecuteScalar()!;

    /// <summary>
    /// Up to <paramref name="limit"/> logged changes after <paramref name="after"/>, in order: sequence and call-back id.
    /// A first sequence other than <paramref name="after"/> + 1 means the log was trimmed past the reader.
    /// </summary>
    public List<(long Seq, string Id)> ChangesAfter(long after, int limit)
    {
        Set(_changesAfter, after, limit);
        var changes = new List<(long, string)>();
        using var reader = _changesAfter.ExecuteReader();
        while (reader.Read()) changes.Add((reader.GetInt64(0), reader.GetString(1)));
        return changes;
    }

    /// <summary>Puts the call-back as it stands now into <paramref name="index"/>, or takes it out if it does not count (any more).</summary>
    public void Refresh(CallbackPositionIndex index, string id)
    {
        _countedOne.Parameters[0].Value = id;
        using var reader = _countedOne.ExecuteReader();
        if (reader.Read())
            index.Set(id, reader.GetString(0), reader.GetString(1), new PositionKey(reader.GetInt32(2), reader.GetString(3), reader.GetInt64(4)));
        else
            index.Remove(id);
    }

    public string? CustomerId(string phone)
    {
        _customer.Parameters[0].Value = phone;
        return _customer.ExecuteScalar() as string;
    }

    /// <summary>The customer's pending call-back of the queue (by number or customer id), the first asked, with its rowid.</summary>
    public (CallbackRequest Callback, long RowId)? FindPending(string queueId, string address, string? customerId)
    {
        Set(_pending, address, queueId, customerId);
        using var reader = _pending.ExecuteReader();
        if (!reader.Read()) return null;
        var row = new SqliteCallbackRepository.Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetString(4), reader.GetInt64(5), reader.GetString(6), reader.GetString(7), Text(reader, 8), Text(reader, 9),
            Text(reader, 10), Text(reader, 11), Text(reader, 12), Text(reader, 13), Text(reader, 14), reader.GetInt64(15),
            Text(reader, 16), Text(reader, 17), Text(reader, 18));
        return (row.ToRequest(), reader.GetInt64(19));
    }

    /// <summary>Inserts the call-back; returns its rowid (the last tie-break of positions).</summary>
    public long Insert(CallbackRequest r, string stamp)
    {
        Set(_insert, r.Id, r.QueueId, r.Channel.ToString(), r.Address, StoredTime.Write(r.ScheduledAt), r.Priority,
            StoredTime.Write(r.OriginalStartedAt), r.Status.ToString(), r.CustomerId, r.PageUrl, r.Topic, r.Product, r.Name,
            r.ImAddress, r.TimeZone, r.Attempts, r.LastOutcome, StoredTime.Write(r.LastAttemptAt), stamp, HelpMediums.Name(r.Medium));
        return (long)_insert.ExecuteScalar()!;
    }

    /// <summary>A merged request: the latest wish (time, page, contact details) on the existing row.</summary>
    public void Update(CallbackRequest r, string stamp)
    {
        Set(_update, StoredTime.Write(r.ScheduledAt), r.Status.ToString(), r.PageUrl, r.Name, r.ImAddress, r.TimeZone, r.CustomerId,
            stamp, HelpMediums.Name(r.Medium), r.Id);
        _update.ExecuteNonQuery();
    }

    /// <summary>Call-backs booked in [from, to) of the queue, not cancelled, other than <paramref name="except"/>.</summary>
    public int SlotCount(string queueId, string from, string to, string? except)
    {
        Set(_slotCount, queueId, from, to, except ?? "");
        return Convert.ToInt32(_slotCount.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Requests accepted for <paramref name="address"/> since <paramref name="since"/> (merged ones too).</summary>
    public int AskedFor(string address, string since) => Count(_askedForAddress, address, since);

    /// <summary>Requests accepted from <paramref name="source"/> since <paramref name="since"/> (merged ones too).</summary>
    public int AskedFrom(string source, string since) => Count(_askedFromSource, source, since);

    /// <summary>New call-backs (not merges) of the queue since <paramref name="since"/>.</summary>
    public int CreatedFor(string queueId, string since) => Count(_createdForQueue, queueId, since);

    /// <summary>One accepted request, for the dial-out caps of the next 24 hours.</summary>
    public void LogIntake(string at, string address, string? source, string queueId, bool created)
    {
        Set(_logIntake, at, address, source, queueId, created ? 1 : 0);
        _logIntake.ExecuteNonQuery();
    }

    /// <summary>Forgets accepted requests older than <paramref name="before"/>: no cap looks that far back.</summary>
    public void PurgeIntake(string before)
    {
        Set(_purgeIntake, before);
        _purgeIntake.ExecuteNonQuery();
    }

    public void InsertAlias(string aliasId, string callbackId, int attemptsBefore, string at)
    {
        Set(_insertAlias, aliasId, callbackId, attemptsBefore, at);
        _insertAlias.ExecuteNonQuery();
    }

    private static int Count(SqliteCommand command, params object?[] values)
    {
        Set(command, values);
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Loads every call-back that counts for positions into <paramref name="index"/> (replacing what it had).</summary>
    public void Load(CallbackPositionIndex index, string now)
    {
        var rows = new List<(string, string, string, PositionKey)>();
        using (var reader = _counted.ExecuteReader())
        {
            while (reader.Read())
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    new PositionKey(reader.GetInt32(3), reader.GetString(4), reader.GetInt64(5))));
        }
        index.Load(rows, now);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _all) await command.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        return command;
    }

    /// <summary>Values in the order the command's parameters were declared.</summary>
    private static void Set(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string InList(params CallbackStatus[] statuses) => $"({string.Join(", ", statuses.Select(s => $"'{s}'"))})";
}
