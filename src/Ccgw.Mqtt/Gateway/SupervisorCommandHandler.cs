using System.Globalization;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Applies supervisor commands from <c>ccgw/supervisors/{id}/commands</c> (issue 19; the ACL lets only supervisor
/// {id} publish there): the admin API's re-prioritise of a live interaction and its call-back changes, through the
/// same core and store calls, so the next offer follows the new order and the call-back lists are republished.
/// Refusals go to <c>ccgw/supervisors/{id}/errors</c> with the console handler's error codes; nothing stops the loop.
/// Agent state (force not-ready, sign-out) stays an agent command on <c>ccgw/agents/{id}/commands</c>.
/// </summary>
public sealed partial class SupervisorCommandHandler(
    RoutingEngine engine,
    ICallbackRepository? callbacks,
    GatewayOutbox outbox,
    TimeProvider time,
    ILogger<SupervisorCommandHandler> log)
{
    public const int Capacity = 256;
    private const int MaximumCommandBytes = 16 * 1024;
    private const string Actions = "reprioritise, reprioritiseCallback, rescheduleCallback or cancelCallback";

    public async Task RunAsync(MqttLocalSubscription commands, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in commands.Reader.ReadAllAsync(cancellationToken))
            {
                if (GatewayTopics.SupervisorOfCommandTopic(message.Topic) is not { } supervisorId) continue;
                var failure = await ApplyAsync(message.Payload, cancellationToken);
                if (failure is { } f)
                {
                    LogCommandFailed(log, supervisorId, f.Action ?? "", f.Code, f.Message);
                    await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.SupervisorErrors(supervisorId),
                        GatewayPayloads.SupervisorError(supervisorId, f.Action, f.Code, f.Message, f.InteractionId, time.GetUtcNow()), retain: false),
                        cancellationToken);
                }
                else if (log.IsEnabled(LogLevel.Information))
                {
                    // Supervisor actions change other people's work: keep a trace of each one applied.
                    var command = Describe(message.Payload);
                    LogCommandApplied(log, supervisorId, command);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    /// <summary>Applies one command; returns why it failed, or null.</summary>
    public async Task<CommandFailure?> ApplyAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaximumCommandBytes)
            return new CommandFailure(null, "invalidCommand", $"commands are at most {MaximumCommandBytes} bytes", null);
        SupervisorCommand c;
        try
        {
            c = SupervisorCommand.Parse(payload);
        }
        catch (JsonException e)
        {
            return new CommandFailure(null, "invalidJson", $"the command is not a JSON object: {e.Message}", null);
        }
        switch (c.Action)
        {
            case null:
                return c.Fail("invalidCommand", "the command has no \"action\"");
            case "reprioritise":
            {
                if (c.InteractionId is not { } id) return c.Missing("interactionId");
                if (c.PriorityProblem() is { } bad) return bad;
                var result = await engine.ReprioritiseAsync(id, c.Priority!.Value, cancellationToken);
                return result.Status switch
                {
                    CommandStatus.Ok => null,
                    CommandStatus.NotFound => c.Fail("notFound", $"no live interaction '{id}'"),
                    _ => c.Fail("invalidState", result.Error ?? "the priority was not changed"),
                };
            }
            case "reprioritiseCallback" or "rescheduleCallback" or "cancelCallback":
                return await CallbackAsync(c, cancellationToken);
            default:
                return c.Fail("unknownAction", $"'{c.Action}' is not a supervisor action; use {Actions}");
        }
    }

    /// <summary>The admin API's PATCH and DELETE of /api/admin/callbacks/{id}, rule for rule.</summary>
    private async Task<CommandFailure?> CallbackAsync(SupervisorCommand c, CancellationToken cancellationToken)
    {
        if (callbacks is null) return c.Fail("invalidState", "call-backs are not kept on this gateway");
        if (c.CallbackId is not { } id) return c.Missing("callbackId");
        var unknown = c.Fail("notFound", $"no scheduled or interrupted call-back '{id}'");
        switch (c.Action)
        {
            case "reprioritiseCallback":
                if (c.PriorityProblem() is { } bad) return bad;
                if (!await callbacks.ReprioritiseAsync(id, c.Priority!.Value, cancellationToken)) return unknown;
                // A due call-back waits in the core's queue: its place there moves with it.
                if ((await callbacks.GetAsync(id, cancellationToken))?.Status == CallbackStatus.Queued)
                    await engine.ReprioritiseAsync(id, c.Priority.Value, cancellationToken);
                return null;
            case "rescheduleCallback":
                if (c.At is not { } text) return c.Missing("at");
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                    return c.Fail("invalidCommand", $"'{text}' is not an ISO 8601 time");
                return await callbacks.RescheduleAsync(id, at, cancellationToken) ? null : unknown;
            default:
                var queued = (await callbacks.GetAsync(id, cancellationToken))?.Status == CallbackStatus.Queued;
                if (!await callbacks.CancelAsync(id, cancellationToken)) return unknown;
                if (queued) await engine.AbandonInteractionAsync(id, "cancelled by a supervisor", cancellationToken);
                return null;
        }
    }

    private static string Describe(ReadOnlyMemory<byte> payload) =>
        System.Text.Encoding.UTF8.GetString(payload.Span[..Math.Min(payload.Length, 200)]);

    [LoggerMessage(EventId = 19100, Level = LogLevel.Information, Message = "supervisor command of {SupervisorId} refused ({Action}): {Code} {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string supervisorId, string action, string code, string reason);

    [LoggerMessage(EventId = 19101, Level = LogLevel.Information, Message = "supervisor {SupervisorId} applied {Command}")]
    private static partial void LogCommandApplied(ILogger logger, string supervisorId, string command);
}

/// <summary>A supervisor command's fields: action, interactionId or callbackId, priority (-100..100), at (ISO 8601).</summary>
internal sealed record SupervisorCommand(string? Action, string? InteractionId, string? CallbackId, int? Priority, bool PriorityInvalid, string? At)
{
    public static SupervisorCommand Parse(ReadOnlyMemory<byte> payload)
    {
        using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 8 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException($"expected an object, got {root.ValueKind}");
        int? priority = null;
        var invalid = false;
        if (root.TryGetProperty("priority", out var p))
        {
            if (p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n)) priority = n;
            else invalid = true;
        }
        return new SupervisorCommand(Text(root, "action"), Text(root, "interactionId"), Text(root, "callbackId"), priority, invalid, Text(root, "at"));
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    public CommandFailure Fail(string code, string message) => new(Action, code, message, InteractionId ?? CallbackId);

    public CommandFailure Missing(string field) => Fail("invalidCommand", $"'{Action}' needs \"{field}\"");

    /// <summary>The admin API's rule: an integer from -100 to 100, higher served first.</summary>
    public CommandFailure? PriorityProblem() =>
        PriorityInvalid || Priority is null ? Missing("priority")
        : Priority is < -100 or > 100 ? Fail("invalidCommand", "use a priority from -100 to 100 (higher is served first)")
        : null;
}
