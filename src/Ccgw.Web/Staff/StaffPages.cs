using System.Text;
using System.Text.Encodings.Web;

namespace Ccgw.Web.Staff;

/// <summary>
/// The consoles' server-rendered shells: landmarks, headings and empty regions with ids that the page's bundle
/// (ClientApp/src/pages/console.js, supervisor.js) fills from MQTT. No inline script or style (the CSP forbids them):
/// the script and style are /assets/app/NAME.js and NAME.css; the antiforgery token rides in a form field.
/// </summary>
internal static class StaffPages
{
    private static readonly HtmlEncoder Enc = HtmlEncoder.Default;

    public static string SignIn(string csrf, string next, string? user, string? error)
    {
        var sb = Head("Staff sign-in", "console");
        sb.Append("<main class=\"sign-in\"><h1>Staff sign-in</h1>");
        if (error is not null)
            sb.Append("<p class=\"error\" role=\"alert\" id=\"sign-in-error\">").Append(E(error)).Append("</p>");
        sb.Append("<form method=\"post\" action=\"/console/sign-in\">")
          .Append("<input type=\"hidden\" name=\"" + Edge.FormProtection.FieldName + "\" value=\"").Append(E(csrf)).Append("\">")
          .Append("<input type=\"hidden\" name=\"next\" value=\"").Append(E(next)).Append("\">")
          .Append("<p><label for=\"user\">User name</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required value=\"")
          .Append(E(user ?? "")).Append('"').Append(error is null ? "" : " aria-describedby=\"sign-in-error\"").Append("></p>")
          .Append("<p><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>")
          .Append("<p><button type=\"submit\">Sign in</button></p></form>")
          .Append("<p class=\"hint\">Agents go to the agent console, supervisors to the supervisor console.</p></main></body></html>");
        return sb.ToString();
    }

    public static string Forbidden(string user)
    {
        var sb = Head("Supervisors only", "console");
        sb.Append("<main><h1>Supervisors only</h1><p>").Append(E(user))
          .Append(" is signed in as an agent. <a href=\"/console\">Open the agent console</a>.</p></main></body></html>");
        return sb.ToString();
    }

    public static string Console(string agent, string csrf)
    {
        var sb = Head($"Agent console – {agent}", "console");
        Banner(sb, "Agent console", agent, csrf);
        sb.Append("<main id=\"app\" class=\"console\" data-staff=\"").Append(E(agent)).Append("\">")
          .Append("<div id=\"errors\" class=\"errors\" role=\"alert\" aria-live=\"assertive\"></div>")
          .Append("<section class=\"panel state-panel\" aria-labelledby=\"state-title\"><h2 id=\"state-title\">My state</h2>")
          .Append("<p class=\"state-line\"><span id=\"state\" class=\"badge state-offline\">Offline</span> <span id=\"state-since\"></span></p>")
          .Append("<div class=\"controls\"><button type=\"button\" id=\"go-ready\">Ready</button>")
          .Append("<label for=\"reason\">Not-ready reason</label><select id=\"reason\"></select>")
          .Append("<button type=\"button\" id=\"go-not-ready\">Not ready</button></div>")
          .Append("<div id=\"wrap-up\" class=\"wrap-up\" hidden><p>Wrap-up: <span id=\"wrap-up-left\" role=\"timer\" aria-live=\"off\"></span></p>")
          .Append("<button type=\"button\" id=\"wrap-up-done\">Done</button></div></section>")
          .Append("<section class=\"panel offers-panel\" aria-labelledby=\"offers-title\"><h2 id=\"offers-title\">Offers</h2>")
          .Append("<ul id=\"offers\" class=\"offers\" aria-live=\"polite\"></ul><p id=\"no-offers\" class=\"empty\">No offer.</p></section>")
          .Append("<section class=\"panel work-panel\" aria-labelledby=\"work-title\"><h2 id=\"work-title\">Current interaction</h2>")
          .Append("<div id=\"work\"><p class=\"empty\">Nothing in hand.</p></div>")
          .Append("<div id=\"call-controls\" class=\"controls\" hidden>")
          .Append("<button type=\"button\" id=\"hang-up\">Hang up</button>")
          .Append("<label for=\"transfer-queue\">Transfer to queue</label><select id=\"transfer-queue\"></select>")
          .Append("<button type=\"button\" id=\"transfer\">Transfer</button>")
          .Append("<button type=\"button\" id=\"hold\">Hold</button>")
          .Append("<button type=\"button\" id=\"resume\" hidden>Resume</button>")
          .Append("<span id=\"hold-state\" class=\"badge held\" role=\"status\" hidden>On hold – the caller hears music</span>")
          // Issue 19: transfer to an agent (blind) and warm transfer with consult, by the colleague's agent id.
          .Append("<label for=\"consult-agent\">Agent (id)</label><input id=\"consult-agent\" type=\"text\" autocomplete=\"off\" spellcheck=\"false\" size=\"10\">")
          .Append("<button type=\"button\" id=\"consult\">Consult</button>")
          .Append("<button type=\"button\" id=\"transfer-agent\">Transfer to agent</button>")
          .Append("<span id=\"consult-state\" class=\"badge held\" role=\"status\" hidden></span>")
          .Append("<button type=\"button\" id=\"complete-transfer\" hidden>Complete transfer</button>")
          .Append("<button type=\"button\" id=\"cancel-consult\" hidden>Cancel consult</button></div>")
          .Append("<p id=\"consult-incoming\" class=\"badge held\" role=\"status\" hidden></p>")
          .Append("<p><label for=\"notes\">Notes (kept in this browser)</label><textarea id=\"notes\" rows=\"3\"></textarea></p></section>")
          .Append("<section class=\"panel chats-panel\" aria-labelledby=\"chats-title\"><h2 id=\"chats-title\">Chats</h2>")
          .Append("<p id=\"chat-link\" class=\"hint\" role=\"status\">Chat connection: connecting…</p>")
          .Append("<p id=\"chat-capacity\" class=\"hint\"></p>")
          .Append("<div id=\"chats\"><p class=\"empty\">No chat open.</p></div></section>")
          .Append("<section class=\"panel callbacks-panel\" aria-labelledby=\"callbacks-title\"><h2 id=\"callbacks-title\">Call-backs</h2>")
          .Append("<div id=\"callbacks\"><p class=\"empty\">No call-back waiting.</p></div></section>")
          .Append("<section class=\"panel figures-panel\" aria-labelledby=\"figures-title\"><h2 id=\"figures-title\">My shift</h2>")
          .Append("<dl id=\"figures\" class=\"figures\"></dl><div id=\"queue-figures\"></div></section>")
          .Append("</main>");
        return Foot(sb, "console");
    }

    public static string Supervisor(string supervisor, string csrf)
    {
        var sb = Head($"Supervisor console – {supervisor}", "supervisor");
        Banner(sb, "Supervisor console", supervisor, csrf);
        sb.Append("<main id=\"app\" class=\"supervisor\" data-staff=\"").Append(E(supervisor)).Append("\">")
          .Append("<div id=\"errors\" class=\"errors\" role=\"alert\" aria-live=\"assertive\"></div>")
          .Append("<div id=\"alerts\" class=\"alerts\" role=\"status\" aria-live=\"polite\"></div>")
          .Append("<section class=\"panel wallboard-panel\" aria-labelledby=\"wallboard-title\"><h2 id=\"wallboard-title\">Queues</h2>")
          .Append("<div class=\"table-wrap\"><table id=\"wallboard\"><caption class=\"visually-hidden\">Live figures per queue</caption><thead><tr>")
          .Append("<th scope=\"col\">Queue</th><th scope=\"col\">Waiting</th><th scope=\"col\">Longest wait</th><th scope=\"col\">Est. wait</th>")
          .Append("<th scope=\"col\">Service level (target)</th><th scope=\"col\">Answered</th><th scope=\"col\">Abandoned</th><th scope=\"col\">Agents ready / busy</th>")
          .Append("</tr></thead><tbody></tbody></table></div><p id=\"center\" class=\"center-line\"></p></section>")
          .Append("<section class=\"panel agents-panel\" aria-labelledby=\"agents-title\"><h2 id=\"agents-title\">Agents</h2>")
          .Append("<div class=\"table-wrap\"><table id=\"agents\"><caption class=\"visually-hidden\">Agents and their state</caption><thead><tr>")
          .Append("<th scope=\"col\">Agent</th><th scope=\"col\">State</th><th scope=\"col\">Time in state</th><th scope=\"col\">Load</th><th scope=\"col\">Actions</th>")
          .Append("</tr></thead><tbody></tbody></table></div></section>")
          .Append("<section class=\"panel live-panel\" aria-labelledby=\"live-title\"><h2 id=\"live-title\">Live interactions</h2>")
          .Append("<div class=\"table-wrap\"><table id=\"live\"><caption class=\"visually-hidden\">Waiting interactions in offer order, then those agents hold</caption><thead><tr>")
          .Append("<th scope=\"col\">#</th><th scope=\"col\">Interaction</th><th scope=\"col\">Queue</th><th scope=\"col\">Channel</th><th scope=\"col\">State</th>")
          .Append("<th scope=\"col\">Since</th><th scope=\"col\">Priority</th><th scope=\"col\">Actions</th>")
          .Append("</tr></thead><tbody></tbody></table></div></section>")
          .Append("<section class=\"panel callbacks-panel\" aria-labelledby=\"callbacks-title\"><h2 id=\"callbacks-title\">Call-backs</h2>")
          .Append("<div id=\"callbacks\"><p class=\"empty\">No call-back waiting.</p></div></section>")
          .Append("</main>");
        return Foot(sb, "supervisor");
    }

    private static StringBuilder Head(string title, string page)
    {
        var sb = new StringBuilder(8192);
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(E(title)).Append("</title>")
          .Append("<link rel=\"stylesheet\" href=\"/assets/app/").Append(page).Append(".css\"></head><body>");
        return sb;
    }

    private static void Banner(StringBuilder sb, string title, string user, string csrf) =>
        sb.Append("<header class=\"top\"><h1>").Append(E(title)).Append("</h1>")
          .Append("<p id=\"link\" class=\"link link-offline\" role=\"status\" aria-live=\"polite\">Connecting…</p>")
          .Append("<form method=\"post\" action=\"/console/sign-out\" class=\"sign-out\"><span class=\"who\">").Append(E(user)).Append("</span> ")
          .Append("<input type=\"hidden\" name=\"" + Edge.FormProtection.FieldName + "\" value=\"").Append(E(csrf)).Append("\">")
          .Append("<button type=\"submit\">Sign out</button></form></header>");

    private static string Foot(StringBuilder sb, string page) =>
        sb.Append(Assets.ClientAssets.ScriptTag(page)).Append("</body></html>").ToString();

    private static string E(string s) => Enc.Encode(s);
}
