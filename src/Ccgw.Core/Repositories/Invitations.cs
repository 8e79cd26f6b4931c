namespace Ccgw.Core.Repositories;

/// <summary>Who invited whom (issue 18): an agent a customer who is present, or a customer one of their past agents.</summary>
public enum InvitationDirection
{
    AgentToCustomer,
    CustomerToAgent,
}

public enum InvitationState
{
    Pending,
    Accepted,
    Declined,
}

/// <summary>
/// One invitation to live help in a medium (only "chat" today). Pending until the invited side answers it once, or
/// until <see cref="ExpiresAt"/>; an answer after that changes nothing.
/// </summary>
public sealed record Invitation(
    string Id,
    InvitationDirection Direction,
    string AgentId,
    string CustomerId,
    string Medium,
    InvitationState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? AnsweredAt = null)
{
    public bool IsOpen(DateTimeOffset now) => State == InvitationState.Pending && ExpiresAt > now;
}

/// <summary>Invitations kept for history (migration 0050). Answering is one conditional write: two racing answers get one winner.</summary>
public interface IInvitationRepository
{
    ValueTask AddAsync(Invitation invitation, CancellationToken cancellationToken = default);

    ValueTask<Invitation?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The customer's invitations, newest first, both directions.</summary>
    ValueTask<IReadOnlyList<Invitation>> ForCustomerAsync(string customerId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Sets the answer when the invitation is still pending and not expired at <paramref name="now"/>; null otherwise.</summary>
    ValueTask<Invitation?> AnswerAsync(string id, bool accept, DateTimeOffset now, CancellationToken cancellationToken = default);
}
