using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Web.Help;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// The centre now, per topic (the figures of <c>/api/status</c>: agents available, people waiting, estimated wait),
/// and which of the agents who served this customer before are available right now.
/// </summary>
internal sealed class CentreStatusSection(HelpRequestService help, RoutingEngine engine, IInteractionHistoryRepository history,
    PortalSettings settings) : IMeSection
{
    public string Id => "status";

    public string Title => "The centre now";

    public int Order => 300;

    public async Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        sb.Append("<div class=\"table\"><table id=\"centre-status\"><caption class=\"visually-hidden\">Waiting times per topic</caption><thead><tr>")
          .Append("<th scope=\"col\">Topic</th><th scope=\"col\">Agents available</th><th scope=\"col\">People waiting</th><th scope=\"col\">Estimated wait</th></tr></thead><tbody>");
        foreach (var q in help.Status())
            sb.Append("<tr data-queue=\"").Append(E(q.Queue)).Append("\"><th scope=\"row\">").Append(E(q.Name)).Append("</th><td>")
              .Append(q.AgentsAvailable).Append("</td><td>").Append(q.Waiting).Append("</td><td>").Append(E(WaitText(q.EwtSeconds))).Append("</td></tr>");
        sb.Append("</tbody></table></div>");

        var past = (await history.QueryAsync(new InteractionHistoryQuery(CustomerId: context.Customer.Id, Limit: HistorySection.Shown), cancellationToken))
            .Select(e => e.AgentId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        sb.Append("<h3>Agents who helped you before</h3>");
        if (past.Count == 0)
        {
            sb.Append("<p>None yet.</p>");
            return;
        }
        var agents = engine.Snapshot.Agents;
        sb.Append("<ul id=\"past-agents\">");
        foreach (var id in past)
        {
            var available = agents.TryGetValue(id, out var presence) && presence.State == AgentState.Ready;
            sb.Append("<li>").Append(E(settings.AgentNames.GetValueOrDefault(id, "An agent"))).Append(": ")
              .Append(available ? "<span class=\"available\">available now</span>" : "<span class=\"away\">not available now</span>").Append("</li>");
        }
        sb.Append("</ul>");
    }
}
