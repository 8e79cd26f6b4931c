namespace Ccgw.Web.Portal;

/// <summary>
/// The portal's settings, mapped from <c>Portal</c> and <c>Site</c> by the daemon. <see cref="PublicUrl"/> is the base
/// of mailed links; <see cref="AgentNames"/> names agents on the customer's page (ids are never shown).
/// </summary>
public sealed record PortalSettings(
    string SiteName,
    Uri PublicUrl,
    TimeSpan LinkLifetime,
    TimeSpan SessionIdle,
    int LinksPerCustomerPerHour,
    int SignInsPerAddressPerMinute,
    string XmppDomain,
    IReadOnlyDictionary<string, string> AgentNames)
{
    /// <summary>Per agent, the queues they have the skills for, best first: an invitation's chat goes to the agent's queue.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AgentQueues { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
