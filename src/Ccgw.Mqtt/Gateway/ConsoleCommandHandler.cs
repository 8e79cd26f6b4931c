using System.Text.Json;
using Ccgw.Core;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Applies console commands from <c>ccgw/agents/{id}/commands</c> (CONTRACT §6) to the routing core. The agent is the
/// one named in the topic: the ACL lets only that agent (or a supervisor) publish there. Anything that cannot be
/// applied — invalid JSON, an unknown action, a missing field, a refusal by the core — is answered on
/// <c>ccgw/agents/{id}/errors</c>; nothing a console sends can stop this loop.
/// </summary>
public sealed partial class ConsoleCommandHandler(
    RoutingEngine engine,
    GatewayOutbox outbox,
    TimeProvider time,
    ILogger<ConsoleCommandHandler> log,
    Core.Invitations.InvitationDesk? invitations = null)
{
    public const int Capacity = 1024;
    private const int MaximumCommandBytes = 16 * 1024;

    public async Task RunAsync(MqttLocalSubscription commands, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in commands.Reader.ReadAllAsync(cancellationToken))
            {
                if (GatewayTopics.AgentOfCommandTopic(message.Topic) is not { } agentId) continue;
                var failure = await ApplyAsync(agentId, message.Payload, cancellationToken);
                if (failure is { } f)
                {
                    LogCommandFailed(log, agentId, f.Action ?? "", f.Code, f.Message);
                    await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.Errors(agentId),
                        GatewayPayloads.Error(agentId, f.Action, f.Code, f.Message, f.InteractionId, time.GetUtcNow()), retain: false), cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    /// <summary>Applies one command; returns why it failed, or null.</summary>
    public async Task<CommandFailure?> ApplyAsync(string agentId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaximumCommandBytes)
            return new CommandFailure(null, "invalidCommand", $"commands are at most {MaximumCommandBytes} bytes", null);
        ConsoleCommand command;
        try
        {
            command = ConsoleCommand.Parse(payload);
        }
        catch (JsonException e)
        {
            return new CommandFailure(null, "invalidJson", $"the command is not a JSON object: {e.Message}", null);
        }
        if (!engine.Snapshot.Agents.ContainsKey(agentId))
            return command.Fail("unknownAgent", $"'{agentId}' is not a configured agent");

        return command.Action switch
        {
            "ready" => Result(command, await engine.SetAgentStateAsync(agentId, AgentStateRequest.Ready, null, cancellationToken)),
            "notReady" => Result(command, await engine.SetAgentStateAsync(agentId, AgentStateRequest.NotReady, command.Reason, cancellationToken)),
            "logout" => Result(command, await engine.SetAgentStateAsync(agentId, AgentStateRequest.Offline, command.Reason ?? "logout", cancellationToken)),
            "accept" => command.InteractionId is { } accept
                ? Result(command, await engine.AcceptOfferAsync(agentId, accept, cancellationToken))
                : command.Missing("interactionId"),
            "reject" => command.InteractionId is { } reject
                ? Result(command, await engine.RejectOfferAsync(agentId, reject, command.Reason, cancellationToken))
                : command.Missing("interactionId"),
            "wrapUpDone" => Result(command, await engine.WrapUpDoneAsync(agentId, command.InteractionId, cancellationToken)),
            "hangup" => command.InteractionId is { } hangup
                ? await OwnedAsync(agentId, command, hangup, () => engine.EndInteractionAsync(hangup, null, cancellationToken), cancellationToken)
                : command.Missing("interactionId"),
            // "target" is a queue (a string, or {"queueId":...}) or, issue 19, an agent ({"agentId":...}): a blind
            // transfer to an agent is a consult the core completes at once (the voice gateway rings that agent).
            "transfer" => command.InteractionId is not { } moved ? command.Missing("interactionId")
                : command.TargetAgentId is { } blindTo ? Result(command, await engine.TransferToAgentAsync(agentId, moved, blindTo, cancellationToken))
                : command.Target is not { } target ? command.Missing("target")
                : await OwnedAsync(agentId, command, moved, () => engine.TransferAsync(moved, target, cancellationToken), cancellationToken),
            // Issue 19, warm transfer: the core checks the agent is connected to the voice call and the target is ready
            // with a free voice slot (else agentNotReady, agentBusy, unknownAgent, sameAgent); the voice gateway holds the
            // caller and rings the target. Only the agent who started the consult completes or cancels it.
            "consult" => command.InteractionId is not { } consulted ? command.Missing("interactionId")
                : command.TargetAgentId is not { } consultTarget ? command.Missing("target.agentId")
                : Result(command, await engine.ConsultAsync(agentId, consulted, consultTarget, cancellationToken)),
            "completeTransfer" => command.InteractionId is { } completed
                ? Result(command, await engine.CompleteTransferAsync(agentId, completed, cancellationToken))
                : command.Missing("interactionId"),
            "cancelConsult" => command.InteractionId is { } cancelled
                ? Result(command, await engine.CancelConsultAsync(agentId, cancelled, "cancelled by " + agentId, cancellationToken))
                : command.Missing("interactionId"),
            // The core checks the agent is connected to it, that it is a voice call and not already held (or resumed);
            // the voice gateway follows the core's InteractionHoldChanged with music on hold and a re-INVITE (docs/voice.md).
            "hold" or "resume" => command.InteractionId is { } held
                ? Result(command, await engine.SetHoldAsync(agentId, held, command.Action == "hold", cancellationToken))
                : command.Missing("interactionId"),
            // The core checks the agent holds it (offered, connected or in wrap-up, when agents usually classify).
            "setProduct" => command.InteractionId is not { } classified ? command.Missing("interactionId")
                : command.Product is not { } product ? command.Missing("product")
                : Result(command, await engine.SetProductAsync(agentId, classified, product, cancellationToken)),
            // Issue 18: invitations. The agent invites a customer who is present; answers a customer's invitation.
            "invite" => invitations is null ? command.Fail("unavailable", "invitations are not offered by this gateway")
                : command.CustomerId is not { } invited ? command.Missing("customerId")
                : Invited(command, await invitations.InviteCustomerAsync(agentId, invited, command.Medium, cancellationToken)),
            "acceptInvitation" or "declineInvitation" => invitations is null ? command.Fail("unavailable", "invitations are not offered by this gateway")
                : command.InvitationId is not { } answered ? command.Missing("invitationId")
                : Answered(command, (await invitations.AnswerAsAgentAsync(agentId, answered, command.Action == "acceptInvitation", cancellationToken)).Outcome),
            null => command.Fail("invalidCommand", "the command has no \"action\""),
            _ => command.Fail("unknownAction",
                $"'{command.Action}' is not an action; use ready, notReady, logout, accept, reject, hangup, hold, resume, wrapUpDone, transfer, " +
                "consult, completeTransfer, cancelConsult, setProduct, " +
                "invite, acceptInvitation or declineInvitation"),
        };
    }

    private static CommandFailure? Invited(ConsoleCommand command, Core.Invitations.InviteResult result) =>
        result.Invitation is not null ? null : command.Fail(result.Code ?? "invalidState", result.Message ?? "not invited");

    private static CommandFailure? Answered(ConsoleCommand command, Core.Invitations.AnswerOutcome outcome) => outcome switch
    {
        Core.Invitations.AnswerOutcome.Answered => null,
        Core.Invitations.AnswerOutcome.NotFound => command.Fail("notFound", $"no invitation '{command.InvitationId}' to you"),
        Core.Invitations.AnswerOutcome.Expired => command.Fail("expired", $"invitation '{command.InvitationId}' has expired"),
        _ => command.Fail("invalidState", $"invitation '{command.InvitationId}' was answered already"),
    };

    /// <summary>Hang-up and transfer act on an interaction, not an agent: only the agent holding it may do them.</summary>
    private async Task<CommandFailure?> OwnedAsync(string agentId, ConsoleCommand command, string interactionId,
        Func<Task<CommandResult>> apply, CancellationToken cancellationToken)
    {
        var status = await engine.GetInteractionAsync(interactionId, cancellationToken);
        if (status is null) return command.Fail("notFound", $"no interaction '{interactionId}'");
        if (!string.Equals(status.Interaction.AgentId, agentId, StringComparison.Ordinal) ||
            status.Interaction.State is not (InteractionState.Offered or InteractionState.Connected))
            return command.Fail("invalidState", $"interaction '{interactionId}' is not connected to {agentId}");
        return Result(command, await apply());
    }

    // The core's own code where it tells refusals apart (consult: agentBusy, agentNotReady, ...), else the generic one.
    private static CommandFailure? Result(ConsoleCommand command, CommandResult result) => result.Status switch
    {
        CommandStatus.Ok => null,
        CommandStatus.NotFound => command.Fail(result.Code ?? "notFound", result.Error ?? "not found"),
        _ => command.Fail(result.Code ?? "invalidState", result.Error ?? "the command does not apply now"),
    };

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "console command of {AgentId} refused ({Action}): {Code} {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string agentId, string action, string code, string reason);
}

/// <summary>Why a console command was not applied; published on the agent's error topic.</summary>
public sealed record CommandFailure(string? Action, string Code, string Message, string? InteractionId);

/// <summary>A console command's fields (CONTRACT §6: action, interactionId?, target?; plus reason and product).</summary>
internal sealed record ConsoleCommand(string? Action, string? InteractionId, string? Target, string? Reason, string? Product = null)
{
    /// <summary>Issue 18 "invite": the customer invited, and the medium (only "chat").</summary>
    public string? CustomerId { get; init; }

    public string? Medium { get; init; }

    /// <summary>Issue 18 "acceptInvitation"/"declineInvitation": the customer's invitation answered.</summary>
    public string? InvitationId { get; init; }

    /// <summary>Issue 19: <c>"target": {"agentId": ...}</c> of "consult" and "transfer" (an agent, not a queue).</summary>
    public string? TargetAgentId { get; init; }

    public static ConsoleCommand Parse(ReadOnlyMemory<byte> payload)
    {
        using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 8 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException($"expected an object, got {root.ValueKind}");
        // "target" stays a queue name as CONTRACT §6 has it; as an object it names a queue or an agent.
        var target = Text(root, "target");
        string? targetAgent = null;
        if (root.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            target = Text(t, "queueId");
            targetAgent = Text(t, "agentId");
        }
        return new ConsoleCommand(Text(root, "action"), Text(root, "interactionId"), target, Text(root, "reason"), Text(root, "product"))
        {
            CustomerId = Text(root, "customerId"),
            Medium = Text(root, "medium"),
            InvitationId = Text(root, "invitationId"),
            TargetAgentId = targetAgent,
        };
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    public CommandFailure Fail(string code, string message) => new(Action, code, message, InteractionId);

    public CommandFailure Missing(string field) => Fail("invalidCommand", $"'{Action}' needs \"{field}\"");
}
