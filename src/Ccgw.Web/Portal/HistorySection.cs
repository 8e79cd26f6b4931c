using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Web.Help;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>The customer's interactions, date-stamped, grouped by the product they concerned and by the agent who served them.</summary>
internal sealed class HistorySection(IInteractionHistoryRepository history, HelpRequestService help, PortalSettings settings) : IMeSection
{
    /// <summary>The newest interactions shown; older ones are for the centre to look up.</summary>
    public const int Shown = 100;

    public string Id => "history";

    public string Title => "Your history with us";

    public int Order => 500;

    public async Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        var entries = await history.QueryAsync(new InteractionHistoryQuery(CustomerId: context.Customer.Id, Limit: Shown), cancellationToken);
        if (entries.Count == 0)
        {
            sb.Append("<p>No contacts with us yet.</p>");
            return;
        }
        var products = context.Customer.Products.ToDictionary(p => p.Code, p => p.Name, StringComparer.Ordinal);
        sb.Append("<h3>By product</h3><div id=\"history-by-product\">");
        foreach (var group in entries.GroupBy(e => e.Product is null ? "Not about one product" : products.GetValueOrDefault(e.Product, e.Product)))
            Group(sb, group.Key, group, showAgent: true);
        sb.Append("</div><h3>By agent</h3><div id=\"history-by-agent\">");
        foreach (var group in entries.GroupBy(e => e.AgentId is null ? "Not yet answered by an agent" : settings.AgentNames.GetValueOrDefault(e.AgentId, "An agent")))
            Group(sb, group.Key, group, showAgent: false);
        sb.Append("</div>");
    }

    private void Group(StringBuilder sb, string title, IEnumerable<InteractionHistoryEntry> entries, bool showAgent)
    {
        sb.Append("<h4>").Append(E(title)).Append("</h4><ul class=\"history\">");
        foreach (var e in entries)
        {
            sb.Append("<li>");
            Time(sb, e.OriginalStartedAt ?? e.ArrivedAt);
            sb.Append(": ").Append(E(ChannelText(e.Channel))).Append(" about ").Append(E(help.Policies.Find(e.QueueId)?.DisplayName ?? e.QueueId));
            if (e.Medium is { } medium) sb.Append(" (").Append(E(MediumText(medium))).Append(')');
            sb.Append(", ").Append(E(StateText(e.State)));
            if (showAgent && e.AgentId is { } agent) sb.Append(", with ").Append(E(settings.AgentNames.GetValueOrDefault(agent, "an agent")));
            sb.Append("</li>");
        }
        sb.Append("</ul>");
    }

    /// <summary>How the customer chose to be helped, as the history shows it (issue 18).</summary>
    internal static string MediumText(HelpMedium medium) => medium switch
    {
        HelpMedium.Voice => "by phone",
        HelpMedium.Ivr => "automated call-back",
        HelpMedium.Email => "by e-mail",
        HelpMedium.ChatNow => "by chat",
        HelpMedium.Documents => "documents",
        _ => medium.ToString(),
    };

    internal static string ChannelText(InteractionChannel channel) => channel switch
    {
        InteractionChannel.Voice => "Phone call",
        InteractionChannel.Im => "Chat",
        InteractionChannel.Callback => "Call-back",
        InteractionChannel.Web => "Web request",
        _ => channel.ToString(),
    };

    private static string StateText(InteractionState state) => state switch
    {
        InteractionState.Queued => "waiting",
        InteractionState.Offered => "being answered",
        InteractionState.Connected => "in progress",
        InteractionState.WrapUp or InteractionState.Ended => "finished",
        InteractionState.Abandoned => "ended before an agent answered",
        _ => "did not go through",
    };
}
