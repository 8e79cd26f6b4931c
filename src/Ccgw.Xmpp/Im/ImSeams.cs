using Ccgw.Core;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// What the IM gateway needs of the routing core. The daemon passes <see cref="EngineImRouting"/>; unit tests a fake
/// that answers synchronously and lets the test play the core's events.
/// </summary>
public interface IImRouting
{
    Task<SubmitResult> SubmitAsync(InteractionRequest request, CancellationToken cancellationToken);

    Task<CommandResult> AcceptOfferAsync(string agentId, string interactionId, CancellationToken cancellationToken);

    Task<CommandResult> MarkConnectedAsync(string interactionId, CancellationToken cancellationToken);

    /// <summary>The chat ended while connected (wrap-up follows).</summary>
    Task<CommandResult> EndAsync(string interactionId, CancellationToken cancellationToken);

    /// <summary>The customer left (or took a call-back) before or while an agent was found.</summary>
    Task<CommandResult> AbandonAsync(string interactionId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Where a waiting interaction stands now: its place and estimated wait as the core orders the queue (null once
    /// it is gone). The only view of queue order the bot takes, so a change to how the core orders stays behind it.
    /// </summary>
    Task<InteractionStatus?> GetStatusAsync(string interactionId, CancellationToken cancellationToken);
}

/// <summary><see cref="IImRouting"/> over the real <see cref="RoutingEngine"/>.</summary>
public sealed class EngineImRouting(RoutingEngine engine) : IImRouting
{
    public Task<SubmitResult> SubmitAsync(InteractionRequest request, CancellationToken cancellationToken) =>
        engine.SubmitInteractionAsync(request, cancellationToken);

    public Task<CommandResult> AcceptOfferAsync(string agentId, string interactionId, CancellationToken cancellationToken) =>
        engine.AcceptOfferAsync(agentId, interactionId, cancellationToken);

    public Task<CommandResult> MarkConnectedAsync(string interactionId, CancellationToken cancellationToken) =>
        engine.MarkConnectedAsync(interactionId, cancellationToken);

    public Task<CommandResult> EndAsync(string interactionId, CancellationToken cancellationToken) =>
        engine.EndInteractionAsync(interactionId, cancellationToken: cancellationToken);

    public Task<CommandResult> AbandonAsync(string interactionId, string reason, CancellationToken cancellationToken) =>
        engine.AbandonInteractionAsync(interactionId, reason, cancellationToken);

    public Task<InteractionStatus?> GetStatusAsync(string interactionId, CancellationToken cancellationToken) =>
        engine.GetInteractionAsync(interactionId, cancellationToken);
}

/// <summary>A call-back a chat customer asked for (from the flow's call-back step or the offer made while waiting).</summary>
public sealed record ImCallbackRequest(
    string QueueId,
    string Phone,
    string ImAddress,
    string? CustomerId,
    string? Name,
    DateTimeOffset FirstContactAt,
    DateTimeOffset At);

/// <summary>The outcome: <see cref="Booked"/> with the call-back's id, or a refusal the customer is told (e.g. the slot is full).</summary>
public sealed record ImCallbackReceipt(bool Booked, string? CallbackId, string? Refusal = null);

/// <summary>
/// Books a call-back in the persisted call-back list (the same list as the web's help requests). The daemon decides
/// the implementation (<see cref="HelpRequestBooking"/>: the help-request store with its de-duplication and slot caps).
/// </summary>
public interface IImCallbackBooking
{
    ValueTask<ImCallbackReceipt> BookAsync(ImCallbackRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Books through the one call-back intake of the core (the web's and the IVR's too): the trunk's dial-out policy, one
/// pending call-back per customer and topic, the queue's slot cap, committed before the customer is told. The chat's
/// start is the call-back's place in line; the customer's IM address is the source the per-source cap counts.
/// </summary>
public sealed class HelpRequestBooking(Core.Callbacks.CallbackIntake intake) : IImCallbackBooking
{
    public const string SlotFull = "Sorry, no call-back can be booked for now: all call-back times are taken. You can stay in this chat and wait for an agent.";

    /// <summary>A dial-out refusal, naming the rule as the web's answer does.</summary>
    public static string Refused(string rule) =>
        $"Sorry, no call-back can be booked for that number (dial-out rule '{rule}'). You can stay in this chat and wait for an agent.";

    public async ValueTask<ImCallbackReceipt> BookAsync(ImCallbackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var receipt = await intake.SubmitAsync(new Core.Callbacks.HelpRequestSubmission(
            request.QueueId, request.Phone, request.At, request.FirstContactAt, request.ImAddress, request.Name, Source: request.ImAddress),
            Core.Callbacks.CallbackIntakeChannel.Im, cancellationToken);
        if (receipt.Disposition == Core.Callbacks.HelpRequestDisposition.Refused)
            return new ImCallbackReceipt(false, null, Refused(receipt.Rule ?? "deny"));
        return receipt.Disposition == Core.Callbacks.HelpRequestDisposition.SlotFull || receipt.PublicId is null
            ? new ImCallbackReceipt(false, null, SlotFull)
            : new ImCallbackReceipt(true, receipt.PublicId);
    }
}
