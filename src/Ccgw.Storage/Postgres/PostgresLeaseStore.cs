using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// The pair's lease as one row of <c>ccgw_lease</c> (migration 0060). Taking and renewing are each one UPDATE whose
/// WHERE clause is the rule (expired, or ours; ours with our token), so PostgreSQL's row lock decides between two
/// contenders and exactly one wins. Every time is the database's <c>now()</c>.
/// </summary>
public sealed class PostgresLeaseStore(PostgresDatabase database, string name = PostgresLeaseStore.GatewayLease) : ILeaseStore
{
    /// <summary>The row the migration creates: the gateway's one lease.</summary>
    public const string GatewayLease = "gateway";

    // The CTE's UPDATE decides; the second branch reports the row as it was when nothing was updated (a statement's
    // sub-queries all see the same snapshot, from before the UPDATE).
    private const string Observe = """
        SELECT true AS Won, holder AS Holder, token AS Token,
               extract(epoch FROM now() - renewed_at)::float8 AS AgeSeconds,
               extract(epoch FROM expires_at - now())::float8 AS RemainingSeconds
        FROM changed
        UNION ALL
        SELECT false, holder, token,
               extract(epoch FROM now() - renewed_at)::float8,
               extract(epoch FROM expires_at - now())::float8
        FROM ccgw_lease WHERE name = @Name AND NOT EXISTS (SELECT 1 FROM changed)
        """;

    private const string Acquire = """
        WITH changed AS (
            UPDATE ccgw_lease
            SET holder = @Node, token = token + 1, acquired_at = now(), renewed_at = now(),
                expires_at = now() + make_interval(secs => @Seconds)
            WHERE name = @Name AND (expires_at < now() OR holder = @Node)
            RETURNING holder, token, renewed_at, expires_at)
        """ + Observe;

    private const string Renew = """
        WITH changed AS (
            UPDATE ccgw_lease
            SET renewed_at = now(), expires_at = now() + make_interval(secs => @Seconds)
            WHERE name = @Name AND holder = @Node AND token = @Token
            RETURNING holder, token, renewed_at, expires_at)
        """ + Observe;

    private const string Read = """
        WITH changed AS (SELECT holder, token, renewed_at, expires_at FROM ccgw_lease WHERE false)
        """ + Observe;

    public Task<LeaseObservation> TryAcquireAsync(string nodeId, TimeSpan leaseTime, CancellationToken cancellationToken) =>
        RunAsync(Acquire, new { Name = name, Node = nodeId, Seconds = leaseTime.TotalSeconds }, cancellationToken);

    public Task<LeaseObservation> TryRenewAsync(string nodeId, long token, TimeSpan leaseTime, CancellationToken cancellationToken) =>
        RunAsync(Renew, new { Name = name, Node = nodeId, Token = token, Seconds = leaseTime.TotalSeconds }, cancellationToken);

    public Task<LeaseObservation> ReadAsync(CancellationToken cancellationToken) =>
        RunAsync(Read, new { Name = name }, cancellationToken);

    public async Task ReleaseAsync(string nodeId, long token, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ccgw_lease SET expires_at = now() WHERE name = @Name AND holder = @Node AND token = @Token AND expires_at > now()",
            new { Name = name, Node = nodeId, Token = token }, cancellationToken: cancellationToken));
    }

    private async Task<LeaseObservation> RunAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await QueryAsync(connection, sql, parameters, cancellationToken);
        // A loser that waited on the winner's row lock reports the row from its statement's snapshot, taken before the
        // winner committed (READ COMMITTED re-checks only the UPDATE's own row). A second statement sees the winner.
        if (!row.Won && !ReferenceEquals(sql, Read))
            row = await QueryAsync(connection, Read, new { Name = name }, cancellationToken);
        return new LeaseObservation(row.Won, row.Holder, row.Token, Seconds(row.AgeSeconds), Seconds(row.RemainingSeconds));
    }

    private async Task<Row> QueryAsync(System.Data.Common.DbConnection connection, string sql, object parameters, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))
            ?? throw new StorageException($"lease '{name}' is missing from ccgw_lease in {database.Description}; migration 0060 creates it");

    /// <summary>The never-held row's times are -infinity; a year stands in for "forever" so arithmetic on it stays finite.</summary>
    private static TimeSpan Seconds(double seconds) =>
        TimeSpan.FromSeconds(Math.Clamp(double.IsNaN(seconds) ? 0 : seconds, -365 * 86400.0, 365 * 86400.0));

    private sealed record Row(bool Won, string Holder, long Token, double AgeSeconds, double RemainingSeconds);
}
