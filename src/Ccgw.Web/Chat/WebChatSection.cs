using System.Text;
using System.Text.Encodings.Web;

namespace Ccgw.Web.Chat;

/// <summary>A topic a visitor may chat about: the queue and the XMPP address that leads to it (Queues:*:ImAddress).</summary>
public sealed record WebChatTopic(string QueueId, string Name, string Address);

/// <summary>
/// What the web chat needs from the XMPP channel: the server's domain and the topics with a chat address. Registered
/// by the daemon only when /xmpp is served; without it the pages render no chat.
/// </summary>
public sealed record WebChatSetup(string Domain, IReadOnlyList<WebChatTopic> Topics);

/// <summary>
/// Who the visitor chats as. <see cref="Guest"/> logs in with SASL ANONYMOUS and gets a random address. A signed-in
/// customer (issue 17's /me, cookie scheme "ccgw-customer") chats as themselves: that page passes
/// <see cref="Customer"/> with the account's XMPP user name, and the browser script then authenticates as that account
/// (the seam: how /me hands the browser a credential for it is /me's part, see docs/web-chat.md).
/// </summary>
internal sealed record WebChatIdentity(string Kind, string? User, string? CredentialUrl = null)
{
    public static readonly WebChatIdentity Guest = new("guest", null);

    /// <param name="credentialUrl">Where the page fetches a one-time password before each connection (/me's
    /// <c>/me/api/chat-credential</c>); without it the page asks <c>window.ccgwChatCredential()</c>.</param>
    public static WebChatIdentity Customer(string xmppUser, string? credentialUrl = null) => new("customer", xmppUser, credentialUrl);
}

/// <summary>
/// The chat window's markup, rendered into a page (the help page now; /me through <see cref="Render"/> with a customer
/// identity). No inline script or style (the CSP forbids them): the behaviour is /assets/app/chat.js, which finds the
/// section by its id and reads its data attributes; the look is in help.css. Hidden until the script runs, so a
/// browser without JavaScript never shows a window that cannot work.
/// </summary>
internal static class WebChatSection
{
    private static readonly HtmlEncoder Enc = HtmlEncoder.Default;

    /// <summary>The script the page must load once, after the section.</summary>
    public static string ScriptTag => Ccgw.Web.Assets.ClientAssets.ScriptTag("chat");

    /// <param name="embedded">Inside a page section that has its own heading (/me): a <c>div</c> without a heading.</param>
    /// <param name="autostart">A topic address to open the chat with at once (an accepted invitation on /me).</param>
    public static void Render(StringBuilder sb, WebChatSetup setup, WebChatIdentity identity, bool embedded = false, string? autostart = null)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(identity);
        if (setup.Topics.Count == 0) return;
        sb.Append(embedded ? "<div id=\"chat\" class=\"chat\"" : "<section id=\"chat\" class=\"chat\" aria-labelledby=\"chat-title\"")
          .Append(" hidden data-domain=\"").Append(E(setup.Domain))
          .Append("\" data-identity=\"").Append(E(identity.Kind)).Append('"');
        if (identity.User is not null) sb.Append(" data-user=\"").Append(E(identity.User)).Append('"');
        if (identity.CredentialUrl is not null) sb.Append(" data-credential-url=\"").Append(E(identity.CredentialUrl)).Append('"');
        if (autostart is not null) sb.Append(" data-autostart=\"").Append(E(autostart)).Append('"');
        sb.Append('>');
        if (!embedded) sb.Append("<h2 id=\"chat-title\">Chat with us now</h2>");
        sb.Append("<div id=\"chat-start-area\"><label for=\"chat-topic\">Chat topic</label><select id=\"chat-topic\">");
        foreach (var t in setup.Topics)
            sb.Append("<option value=\"").Append(E(t.Address)).Append("\">").Append(E(t.Name)).Append("</option>");
        sb.Append("</select><button type=\"button\" id=\"chat-start\">Start chat</button></div>");
        sb.Append("<div id=\"chat-window\" hidden>")
          .Append("<p id=\"chat-status\" class=\"chat-status\" role=\"status\">Not connected</p>")
          .Append("<ol id=\"chat-log\" class=\"chat-log\" aria-label=\"Conversation\" aria-live=\"polite\" tabindex=\"0\"></ol>")
          .Append("<p id=\"chat-typing\" class=\"chat-typing\" aria-live=\"polite\"></p>")
          .Append("<form id=\"chat-form\" class=\"chat-form\"><label for=\"chat-input\">Your message</label>")
          .Append("<textarea id=\"chat-input\" rows=\"2\" maxlength=\"2000\" autocomplete=\"off\"></textarea>")
          .Append("<button type=\"submit\" id=\"chat-send\">Send</button></form>")
          .Append("<button type=\"button\" id=\"chat-end\">End chat</button>")
          .Append("</div>").Append(embedded ? "</div>" : "</section>");
    }

    private static string E(string? s) => Enc.Encode(s ?? "");
}
