using System.Globalization;
using Ccgw.Core.Invitations;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Tells agents about invitations (issue 18) on <c>ccgw/agents/{id}/invitations</c> (non-retained; the agent's own
/// subtree, so the ACL lets only that agent and supervisors read it): a customer's invitation to them (pending, like an
/// offer: answer with <c>acceptInvitation</c>/<c>declineInvitation</c>), and the answer to theirs.
/// </summary>
public sealed partial class InvitationPublisher(InvitationDesk desk, ICustomerRepository customers, GatewayOutbox outbox,
    ILogger<InvitationPublisher> log)
{
    public static string Topic(string agentId) => $"ccgw/agents/{agentId}/invitations";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var invitation in desk.Changes.ReadAllAsync(cancellationToken))
            {
                var name = (await customers.GetAsync(invitation.CustomerId, cancellationToken))?.Name;
                await outbox.WriteAsync(GatewayOutbox.Json(Topic(invitation.AgentId), Payload(invitation, name), retain: false), cancellationToken);
                LogPublished(log, invitation.Id, invitation.AgentId);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    internal static byte[] Payload(Invitation i, string? customerName) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["type"] = "invitation",
        ["invitationId"] = i.Id,
        ["direction"] = i.Direction == InvitationDirection.AgentToCustomer ? "agentToCustomer" : "customerToAgent",
        ["agentId"] = i.AgentId,
        ["customerId"] = i.CustomerId,
        ["customerName"] = customerName,
        ["medium"] = i.Medium,
        ["state"] = i.State switch { InvitationState.Accepted => "accepted", InvitationState.Declined => "declined", _ => "pending" },
        ["createdAt"] = Time(i.CreatedAt),
        ["expiresAt"] = Time(i.ExpiresAt),
        ["answeredAt"] = i.AnsweredAt is { } a ? Time(a) : null,
    });

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 18220, Level = LogLevel.Debug, Message = "invitation {InvitationId} published to agent {AgentId}")]
    private static partial void LogPublished(ILogger logger, string invitationId, string agentId);
}
