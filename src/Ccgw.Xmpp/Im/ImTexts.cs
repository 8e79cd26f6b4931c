using System.Collections.Frozen;
using System.Globalization;
using Ccgw.Core;
using Ccgw.Core.Flows;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// The gateway's own sentences in chats (the flow's prompts come from configuration; these have no prompt id), from
/// the site's <see cref="GatewayTexts"/> (<c>Im:Texts</c>, English by default).
/// </summary>
internal sealed class ImTexts(GatewayTexts texts)
{
    private readonly FrozenSet<string> _yesWords = texts.Get("CallbackYesWords")
        .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public string AgentJoined => texts.Get("AgentJoined");
    public string AgentLeft => texts.Get("AgentLeft");
    public string ChatEnded => texts.Get("ChatEnded");
    public string CustomerLeft => texts.Get("CustomerLeft");
    public string OfferWithdrawn => texts.Get("OfferWithdrawn");
    public string ChatClosed => texts.Get("ChatClosed");
    public string Transferred => texts.Get("Transferred");
    public string BeingTransferred => texts.Get("BeingTransferred");
    public string AskPhone => texts.Get("AskPhone");
    public string PhoneInvalid => texts.Get("PhoneInvalid");
    public string PhoneGiveUp => texts.Get("PhoneGiveUp");
    public string CallbackFailed => texts.Get("CallbackFailed");
    public string CallbackFormTitle => texts.Get("CallbackFormTitle");
    public string CallbackFormField => texts.Get("CallbackFormField");
    public string Guest => texts.Get("Guest");

    public string Waiting(WaitEstimate ewt) => ewt.Seconds switch
    {
        null => texts.Get("WaitUnknown"),
        < 60 => texts.Get("WaitUnderAMinute"),
        { } s when Minutes(s) == 1 => texts.Get("WaitOneMinute"),
        { } s => texts.Get("WaitMinutes", ("minutes", Number(Minutes(s)))),
    };

    /// <summary>"You are number 2 in the queue."; empty when the place is not known (0).</summary>
    public string Position(int position) => position > 0 ? texts.Get("QueuePosition", ("position", Number(position))) : "";

    public string Alert(string queueName, double? ewtSeconds) => ewtSeconds switch
    {
        null or < 60 => texts.Get("AlertUnderAMinute", ("queue", queueName)),
        { } s when Minutes(s) == 1 => texts.Get("AlertOneMinute", ("queue", queueName)),
        { } s => texts.Get("AlertMinutes", ("queue", queueName), ("minutes", Number(Minutes(s)))),
    };

    public string CallbackOffer(string? knownPhone) => knownPhone is null
        ? texts.Get("CallbackOffer")
        : texts.Get("CallbackOfferKnownPhone", ("phone", knownPhone));

    public string CallbackBooked(string phone) => texts.Get("CallbackBooked", ("phone", phone));

    public string QueueGreeting(string queueName) => texts.Get("QueueGreeting", ("queue", queueName));

    public string Offer(string queueName, string who, double waitedSeconds) =>
        texts.Get("Offer", ("queue", queueName), ("who", who), ("seconds", Number(Math.Round(waitedSeconds))));

    /// <summary>The line under an offer naming the customer's client (XEP-0092), so the agent knows what it can render.</summary>
    public string OfferClient(ClientSoftware client) => texts.Get("OfferClient", ("client", client.ToString()));

    /// <summary>
    /// Whether a reply to the call-back offer means "yes, on the number you have" (<c>CallbackYesWords</c>, a
    /// comma-separated list; case and a closing '.' or '!' do not matter).
    /// </summary>
    public bool IsYes(string text) => _yesWords.Contains(text.Trim().TrimEnd('.', '!').Trim());

    private static double Minutes(double seconds) => Math.Ceiling(seconds / 60);

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
