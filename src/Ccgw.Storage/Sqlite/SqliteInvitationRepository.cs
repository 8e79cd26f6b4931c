using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>Invitations to live help (migration 0050).</summary>
public sealed class SqliteInvitationRepository(SqliteDatabase database) : IInvitationRepository
{
    private const string Columns = "invitation_id AS Id, direction AS Direction, agent_id AS AgentId, customer_id AS CustomerId, medium AS Medium, " +
        "state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, answered_at AS AnsweredAt";

    public async ValueTask AddAsync(Invitation invitation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invitation);
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO invitations (invitation_id, direction, agent_id, customer_id, medium, state, created_at, expires_at)
            VALUES (@Id, @Direction, @AgentId, @CustomerId, @Medium, 'pending', @CreatedAt, @ExpiresAt)
            """,
            new
            {
                invitation.Id,
                Direction = DirectionText(invitation.Direction),
                invitation.AgentId,
                invitation.CustomerId,
                invitation.Medium,
                CreatedAt = StoredTime.Write(invitation.CreatedAt),
                ExpiresAt = StoredTime.Write(invitation.ExpiresAt),
            }, cancellationToken: cancellationToken));
    }

    public async ValueTask<Invitation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM invitations WHERE invitation_id = @Id", new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToInvitation();
    }

    public async ValueTask<IReadOnlyList<Invitation>> ForCustomerAsync(string customerId, int limit, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM invitations WHERE customer_id = @CustomerId ORDER BY created_at DESC, invitation_id LIMIT @Limit",
            new { CustomerId = customerId, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToInvitation())];
    }

    public async ValueTask<Invitation?> AnswerAsync(string id, bool accept, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        // One statement: only a pending, current invitation takes an answer, so two racing answers get one winner.
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"""
            UPDATE invitations SET state = @State, answered_at = @Now
            WHERE invitation_id = @Id AND state = 'pending' AND expires_at > @Now
            RETURNING {Columns}
            """, new { Id = id, State = accept ? "accepted" : "declined", Now = StoredTime.Write(now) }, cancellationToken: cancellationToken));
        return row?.ToInvitation();
    }

    private static string DirectionText(InvitationDirection d) => d == InvitationDirection.AgentToCustomer ? "agentToCustomer" : "customerToAgent";

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string Direction { get; set; } = "";
        public string AgentId { get; set; } = "";
        public string CustomerId { get; set; } = "";
        public string Medium { get; set; } = "";
        public string State { get; set; } = "";
        public string CreatedAt { get; set; } = "";
        public string ExpiresAt { get; set; } = "";
        public string? AnsweredAt { get; set; }

        public Invitation ToInvitation() => new(Id,
            Direction == "agentToCustomer" ? InvitationDirection.AgentToCustomer : InvitationDirection.CustomerToAgent,
            AgentId, CustomerId, Medium,
            State switch { "accepted" => InvitationState.Accepted, "declined" => InvitationState.Declined, _ => InvitationState.Pending },
            StoredTime.Read(CreatedAt), StoredTime.Read(ExpiresAt), StoredTime.ReadNullable(AnsweredAt));
    }
}
