using System.Globalization;
using System.Text;
using Ccgw.Core.Invitations;
using Ccgw.Core.Repositories;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// Invitations on <c>/me</c> (issue 18): an agent's invitation to chat (from the console, MQTT <c>invite</c>), shown
/// live (the page polls <c>GET /me/api/invitations</c>, which also marks the customer present) with Accept and Decline
/// (CSRF-protected POSTs; a forged or stale answer gets problem+json 4xx and changes nothing; accepting opens the chat);
/// the agents who helped the customer before, with "Invite to chat" while they are available; and the invitations of
/// both directions as history.
/// </summary>
internal sealed class InvitationsSection(InvitationDesk desk, PortalPresence presence, IInteractionHistoryRepository history,
    PortalSettings settings, TimeProvider time) : IMeSection
{
    public const string SectionId = "invitations";
    public const int Shown = 10;

    public string Id => SectionId;

    public string Title => "Invitations";

    public int Order => 140;

    public async Task RenderAsync(MeContext context, StringBuilder html, CancellationToken cancellationToken)
    {
        var customer = context.Customer;
        presence.Seen(customer.Id);
        var now = time.GetUtcNow();
        var all = await desk.ForCustomerAsync(customer.Id, Shown, cancellationToken);
        if (context.NoticeFor(SectionId) is { } notice) html.Append("<p class=\"notice\" role=\"status\">").Append(E(notice)).Append("</p>");

        html.Append("<div id=\"invitation-live\" data-poll=\"/me/api/invitations\"><h3>From our agents</h3><ul id=\"invitation-list\">");
        foreach (var i in all.Where(i => i.Direction == InvitationDirection.AgentToCustomer && i.IsOpen(now)))
            Pending(html, i, context.CsrfField);
        html.Append("</ul><p id=\"invitation-none\"").Append(all.Any(i => i.Direction == InvitationDirection.AgentToCustomer && i.IsOpen(now)) ? " hidden" : "")
            .Append(">No invitation now. When an agent invites you to chat, it shows here.</p></div>")
            .Append(Ccgw.Web.Assets.ClientAssets.ScriptTag("me"));

        html.Append("<h3>Invite an agent who helped you before</h3>");
        var past = await PastAgentsAsync(desk, history, customer.Id, cancellationToken);
        if (past.Count == 0) html.Append("<p>None yet.</p>");
        else
        {
            html.Append("<ul id=\"invite-agents\">");
            foreach (var id in past)
            {
                var name = Name(id);
                html.Append("<li>").Append(E(name)).Append(": ");
                if (desk.IsAgentReady(id))
                    html.Append("<form class=\"inline\" method=\"post\" action=\"/me/invitations/agents/").Append(E(Uri.EscapeDataString(id))).Append("\">")
                        .Append(context.CsrfField).Append("<button type=\"submit\">Invite ").Append(E(name)).Append(" to chat</button></form>");
                else html.Append("<span class=\"away\">not available now</span>");
                html.Append("</li>");
            }
            html.Append("</ul>");
        }

        html.Append("<h3>Your invitations</h3>");
        if (all.Count == 0)
        {
            html.Append("<p>None yet.</p>");
            return;
        }
        html.Append("<ul class=\"history\" id=\"invitation-history\">");
        foreach (var i in all)
        {
            html.Append("<li data-invitation=\"").Append(E(i.Id)).Append("\">");
            Time(html, i.CreatedAt);
            html.Append(i.Direction == InvitationDirection.AgentToCustomer ? ": " + E(Name(i.AgentId)) + " invited you to chat" : ": you invited " + E(Name(i.AgentId)) + " to chat")
                .Append(" – ").Append(E(StateText(i, now))).Append("</li>");
        }
        html.Append("</ul>");
    }

    private void Pending(StringBuilder html, Invitation i, string csrf)
    {
        var name = E(Name(i.AgentId));
        html.Append("<li data-invitation=\"").Append(E(i.Id)).Append("\"><p>").Append(name).Append(" invites you to chat.</p>");
        foreach (var (verb, label) in new[] { ("accept", "Accept"), ("decline", "Decline") })
            html.Append("<form class=\"inline\" method=\"post\" action=\"/me/invitations/").Append(E(i.Id)).Append('/').Append(verb).Append("\">")
                .Append(csrf).Append("<button type=\"submit\"").Append(verb == "decline" ? " class=\"secondary\"" : "").Append('>')
                .Append(label).Append(" <span class=\"visually-hidden\">the invitation of ").Append(name).Append("</span></button></form>");
        html.Append("</li>");
    }

    private string Name(string agentId) => settings.AgentNames.GetValueOrDefault(agentId, "An agent");

    private static string StateText(Invitation i, DateTimeOffset now) => i.State switch
    {
        InvitationState.Accepted => "accepted",
        InvitationState.Declined => "declined",
        _ => i.ExpiresAt <= now ? "expired" : "waiting for an answer",
    };

    /// <summary>Agents who served the customer (history) or whose invitation they accepted, most recent first.</summary>
    internal static async Task<IReadOnlyList<string>> PastAgentsAsync(InvitationDesk desk, IInteractionHistoryRepository history, string customerId,
        CancellationToken cancellationToken)
    {
        var served = (await history.QueryAsync(new InteractionHistoryQuery(CustomerId: customerId, Limit: HistorySection.Shown), cancellationToken))
            .Select(e => e.AgentId).OfType<string>();
        var invited = (await desk.ForCustomerAsync(customerId, Shown, cancellationToken))
            .Where(i => i.Direction == InvitationDirection.AgentToCustomer && i.State == InvitationState.Accepted).Select(i => i.AgentId);
        return [.. served.Concat(invited).Distinct(StringComparer.Ordinal)];
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/me/api/invitations", async (HttpContext http, InvitationDesk desk, PortalPresence presence, PortalSettings settings, TimeProvider time,
            CancellationToken ct) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            var id = http.User.CustomerId()!;
            presence.Seen(id);
            var now = time.GetUtcNow();
            var all = await desk.ForCustomerAsync(id, Shown, ct);
            return Results.Ok(new
            {
                pending = all.Where(i => i.Direction == InvitationDirection.AgentToCustomer && i.IsOpen(now)).Select(i => new
                {
                    invitationId = i.Id,
                    agentName = settings.AgentNames.GetValueOrDefault(i.AgentId, "An agent"),
                    medium = i.Medium,
                    expiresAt = i.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                }),
                // The customer's own invitations an agent accepted: the page opens the chat with that agent.
                acceptedByAgent = all.Where(i => i.Direction == InvitationDirection.CustomerToAgent && i.State == InvitationState.Accepted
                    && i.AnsweredAt is { } at && now - at < InvitationDesk.Lifetime).Select(i => i.Id),
            });
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/invitations/{id}/{verb}", async (string id, string verb, HttpContext http, InvitationDesk desk, IAntiforgery csrf,
            CancellationToken ct) =>
        {
            if (verb is not ("accept" or "decline")) return Results.Problem(statusCode: 404, title: "no such answer", detail: "answer accept or decline");
            if (!http.Request.HasFormContentType || http.Request.ContentLength > MeEndpoints.MaxFormBytes || !await csrf.IsRequestValidAsync(http))
                return Results.Problem(statusCode: 400, title: "answer not accepted",
                    detail: "the form had expired or did not come from this site's own page; nothing was changed");
            var (outcome, invitation) = await desk.AnswerAsCustomerAsync(http.User.CustomerId()!, id, verb == "accept", ct);
            return outcome switch
            {
                AnswerOutcome.Answered => MeEndpoints.SeeOther(http, verb == "accept"
                    ? $"/me?invitation={Uri.EscapeDataString(invitation!.Id)}#{MeChatSection.SectionId}"
                    : "/me?notice=invitation-declined#invitations"),
                AnswerOutcome.NotFound => Results.Problem(statusCode: 404, title: "no such invitation", detail: "there is no invitation with this id for you; nothing was changed"),
                AnswerOutcome.Expired => Results.Problem(statusCode: 410, title: "invitation expired", detail: "this invitation has expired; nothing was changed"),
                _ => Results.Problem(statusCode: 409, title: "invitation already answered", detail: "this invitation was answered already; nothing was changed"),
            };
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/invitations/agents/{agentId}", async (string agentId, HttpContext http, InvitationDesk desk, IInteractionHistoryRepository history,
            CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var customerId = http.User.CustomerId()!;
            var past = await PastAgentsAsync(desk, history, customerId, ct);
            var result = await desk.InviteAgentAsync(customerId, agentId, past, ct);
            if (result.Invitation is null)
                return Results.Problem(statusCode: result.Code == "notYourAgent" ? 404 : 409, title: "not invited", detail: result.Message);
            return MeEndpoints.SeeOther(http, "/me?notice=agent-invited#invitations");
        }).RequireAuthorization(CustomerPortal.Policy);
    }
}
