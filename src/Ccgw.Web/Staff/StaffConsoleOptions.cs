namespace Ccgw.Web.Staff;

/// <summary>A queue as the consoles show it: its name and service-level target (for the wallboard and its alerts).</summary>
public sealed record StaffQueue(string Id, string Name, int ServiceLevelSeconds, double ServiceLevelTarget);

/// <summary>What the daemon hands the staff consoles from the validated configuration (section Consoles, issue 19).</summary>
public sealed record StaffConsoleOptions(
    IReadOnlyList<string> NotReadyReasons,
    TimeSpan Session,
    int WrapUpSeconds,
    double? ServiceLevelAlertBelow,
    int LongestWaitAlertSeconds,
    IReadOnlyList<StaffQueue> Queues)
{
    /// <summary>The XMPP domain the agent console's Chats panel logs in to over /xmpp; null: no built-in XMPP server, no chats in the page.</summary>
    public string? XmppDomain { get; init; }
}
