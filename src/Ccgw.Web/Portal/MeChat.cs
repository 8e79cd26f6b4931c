using System.Globalization;
using System.Text;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Web.Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// Chat on <c>/me</c> as the signed-in customer (issue 18): the help page's chat window (<see cref="WebChatSection"/>,
/// /assets/app/chat.js over /xmpp) with the customer's own XMPP account instead of a guest's, so the bot, the queues
/// and routing know them (their record, their history) and the transcript lands in their history. The page holds no
/// password: before each login it fetches a one-time token from <c>GET /me/api/chat-credential</c>
/// (<see cref="CustomerChatTokens"/>), which SASL PLAIN over /xmpp accepts for this customer's account only.
/// Rendered only when /xmpp is served (<see cref="WebChatSetup"/> registered) and the customer has an address on the
/// XMPP domain (their chat account); others are pointed to the help page.
/// </summary>
internal sealed partial class MeChatSection(IEnumerable<WebChatSetup> setups, PortalSettings settings,
    IEnumerable<Ccgw.Core.Invitations.InvitationDesk> desks) : IMeSection
{
    public const string SectionId = "live-chat";
    public const string CredentialPath = "/me/api/chat-credential";

    private readonly WebChatSetup? _setup = setups.FirstOrDefault();

    public string Id => SectionId;

    public string Title => "Chat with us";

    public int Order => 150;

    public async Task RenderAsync(MeContext context, StringBuilder html, CancellationToken cancellationToken)
    {
        if (_setup is not { Topics.Count: > 0 } setup)
        {
            html.Append("<p>Chat is not offered at the moment; the help page has other ways to reach us.</p>");
            return;
        }
        if (XmppUser(context.Customer, settings.XmppDomain) is not { } user)
        {
            html.Append("<p>To chat as yourself, add a chat (IM) address on ").Append(E(settings.XmppDomain))
                .Append(" to your details; meanwhile you can chat from <a href=\"/\">the help page</a> as a guest.</p>");
            return;
        }
        var invited = await AcceptedInvitationAgentAsync(context, cancellationToken);
        var autostart = invited is null ? null : TopicOf(setup, invited);
        html.Append("<p id=\"me-chat-hint\">").Append(invited is null
            ? "Chat with an agent as yourself: they see your details and your history with us."
            : "Your chat with " + E(settings.AgentNames.GetValueOrDefault(invited, "our agent")) + " opens below.").Append("</p>");
        WebChatSection.Render(html, setup, WebChatIdentity.Customer(user, CredentialPath), embedded: true, autostart);
        html.Append(WebChatSection.ScriptTag);
    }

    /// <summary>The agent of <c>?invitation=</c> when it is this customer's and was accepted (by either side).</summary>
    private async Task<string?> AcceptedInvitationAgentAsync(MeContext context, CancellationToken cancellationToken)
    {
        if (desks.FirstOrDefault() is not { } desk || context.Http.Request.Query["invitation"].ToString() is not { Length: > 0 } id) return null;
        var mine = await desk.ForCustomerAsync(context.Customer.Id, InvitationsSection.Shown, cancellationToken);
        return mine.FirstOrDefault(i => i.Id == id && i.State == Ccgw.Core.Repositories.InvitationState.Accepted)?.AgentId;
    }

    /// <summary>The chat address of the agent's best queue that has one, else the first topic.</summary>
    private string TopicOf(WebChatSetup setup, string agentId)
    {
        foreach (var queue in settings.AgentQueues.GetValueOrDefault(agentId) ?? [])
            if (setup.Topics.FirstOrDefault(t => t.QueueId == queue) is { } topic) return topic.Address;
        return setup.Topics[0].Address;
    }

    /// <summary>The customer's XMPP login name: the local part of their first address on the domain, lower case.</summary>
    internal static string? XmppUser(Customer customer, string domain)
    {
        foreach (var address in customer.ImAddresses)
        {
            var at = address.LastIndexOf('@');
            if (at > 0 && string.Equals(address[(at + 1)..], domain, StringComparison.OrdinalIgnoreCase))
                return address[..at].ToLowerInvariant();
        }
        return null;
    }

    /// <summary>
    /// <c>GET /me/api/chat-credential</c>: a one-time password for this customer's chat account, good for one login
    /// within <see cref="CustomerChatTokens.Lifetime"/>. Not cached; a page asks once per connection.
    /// </summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(CredentialPath, async (HttpContext http, ICustomerRepository customers, CustomerChatTokens tokens, PortalSettings settings,
            TimeProvider time, ILogger<MeChatSection> log, CancellationToken ct) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            var id = http.User.CustomerId()!;
            if (await customers.GetAsync(id, ct) is not { } customer)
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "signed out");
            if (XmppUser(customer, settings.XmppDomain) is not { } user)
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "no chat account",
                    detail: $"add a chat address on {settings.XmppDomain} to your details first");
            if (tokens.Issue(id) is not { } token)
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "try again shortly");
            LogIssued(log, id);
            return Results.Ok(new
            {
                username = user,
                password = token,
                expiresAt = (time.GetUtcNow() + CustomerChatTokens.Lifetime).ToString("O", CultureInfo.InvariantCulture),
            });
        }).RequireAuthorization(CustomerPortal.Policy);
    }

    [LoggerMessage(EventId = 18200, Level = LogLevel.Debug, Message = "Chat token issued to customer {CustomerId}")]
    private static partial void LogIssued(ILogger logger, string customerId);
}
