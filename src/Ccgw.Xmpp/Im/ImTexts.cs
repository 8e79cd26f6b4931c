using System.Globalization;
using Ccgw.Core;

namespace Ccgw.Xmpp.Im;

/// <summary>The gateway's own sentences (the flow's prompts come from configuration; these have no prompt id).</summary>
internal static class ImTexts
{
    public const string AgentJoined = "An agent has joined the chat.";
    public const string AgentLeft = "The agent has left the chat. Thank you for contacting us.";
    public const string ChatEnded = "The chat has ended. Thank you for contacting us.";
    public const string CustomerLeft = "The customer has left the chat.";
    public const string OfferWithdrawn = "This chat is no longer offered to you.";
    public const string ChatClosed = "This chat has ended.";
    public const string Transferred = "This chat was transferred.";
    public const string BeingTransferred = "You are being transferred; another agent will join the chat.";
    public const string Busy = "We cannot take more chats at the moment; please try again later.";
    public const string AskPhone = "Please reply with the phone number we should call, with the country code (for example +4930123456).";
    public const string PhoneInvalid = "That does not look like a phone number. Please write it with the country code, for example +4930123456.";
    public const string PhoneGiveUp = "Sorry, we could not take a phone number. Please write to us again any time.";
    public const string CallbackFailed = "Sorry, the call-back could not be booked right now. You can stay in this chat and wait for an agent.";
    public const string CallbackFormTitle = "Call-back";
    public const string CallbackFormField = "Phone number, with the country code";

    public static string Waiting(WaitEstimate ewt) => ewt.Seconds switch
    {
        null => "No agent is available at the moment.",
        < 60 => "The estimated wait is less than a minute.",
        { } s => string.Create(CultureInfo.InvariantCulture, $"The estimated wait is about {Math.Ceiling(s / 60)} minute{(s > 60 ? "s" : "")}."),
    };

    public static string Alert(string queueName, double? ewtSeconds) => ewtSeconds switch
    {
        null or < 60 => $"The wait for {queueName} is now less than a minute. Write to us here to be connected.",
        { } s => string.Create(CultureInfo.InvariantCulture, $"The wait for {queueName} is now about {Math.Ceiling(s / 60)} minute{(s > 60 ? "s" : "")}. Write to us here to be connected."),
    };

    public static string CallbackOffer(string? knownPhone) => knownPhone is null
        ? "To be called back instead, reply with your phone number (for example +4930123456), or stay in this chat to wait for an agent."
        : $"To be called back instead on {knownPhone}, reply \"call back\" (or another number), or stay in this chat to wait for an agent.";

    public static string CallbackBooked(string phone) =>
        $"Thank you. We will call you back on {phone} as soon as an agent is free.";

    public static string QueueGreeting(string queueName) => $"Welcome to {queueName}. You will be connected to an agent.";

    public static string Offer(string queueName, string who, double waitedSeconds) =>
        string.Create(CultureInfo.InvariantCulture, $"New chat in {queueName} from {who} (waited {Math.Round(waitedSeconds)} s). Reply here to accept it.");
}
