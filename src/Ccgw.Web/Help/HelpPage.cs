using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;

namespace Ccgw.Web.Help;

/// <summary>
/// The server-rendered help page. Works without JavaScript (a plain form POST to <c>/help</c> that redirects to a status
/// page; errors are listed in a summary and tied to their fields with <c>aria-describedby</c>/<c>aria-invalid</c>);
/// with JavaScript it keeps the waiting times current (polling <c>/api/status</c>), shows only the selected topic's
/// slots, fills in the customer's time zone, and refreshes the request's status.
/// </summary>
internal static class HelpPage
{
    private static readonly HtmlEncoder Enc = HtmlEncoder.Default;

    private static readonly (string Field, string Label)[] FieldOrder =
    [
        ("medium", "How to help you"), ("number", "Phone number or SIP address"), ("imAddress", "IM address"), ("name", "Your name"), ("topic", "Topic"),
        ("preferredTime", "Preferred time"), ("timeZone", "Time zone"), ("pageUrl", "Page"), ("form", "Request"),
        ("alert-topic", "Alert topic"), ("alert-thresholdMinutes", "Alert minutes"), ("alert-channel", "Alert channel"), ("alert-imAddress", "Alert IM address"),
    ];

    /// <param name="chat">The web chat's topics when /xmpp is served (null: no chat window); the visitor chats as a guest.</param>
    public static async Task<string> RenderFormAsync(HelpRequestService service, HelpRequestInput input,
        IReadOnlyDictionary<string, string[]>? errors, CancellationToken ct, Chat.WebChatSetup? chat = null)
    {
        var site = service.Site;
        var sb = new StringBuilder(8192);
        Head(sb, errors is { Count: > 0 } ? $"Error: call me back – {site.SiteName}" : $"Call me back – {site.SiteName}");
        sb.Append("<main><h1>Call me back / chat with us</h1>");
        if (errors is { Count: > 0 })
        {
            sb.Append("<div class=\"errors\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\" aria-labelledby=\"error-title\">")
              .Append("<h2 id=\"error-title\">Please correct the following</h2><ul>");
            foreach (var (field, label) in FieldOrder)
                if (errors.TryGetValue(field, out var messages))
                    foreach (var m in messages)
                        sb.Append("<li><a href=\"#field-").Append(field).Append("\">").Append(E(label)).Append(": ").Append(E(m)).Append("</a></li>");
            sb.Append("</ul></div>");
        }

        sb.Append("<section aria-labelledby=\"waits-title\"><h2 id=\"waits-title\">Current waiting times</h2><ul id=\"waits\" aria-live=\"polite\">");
        foreach (var q in service.Status())
            sb.Append("<li data-queue=\"").Append(E(q.Queue)).Append("\"><span class=\"topic\">").Append(E(q.Name)).Append("</span>: <span class=\"ewt\">")
              .Append(E(WaitText(q.EwtSeconds))).Append("</span></li>");
        sb.Append("</ul></section>");
        if (chat is not null) Chat.WebChatSection.Render(sb, chat, Chat.WebChatIdentity.Guest);

        sb.Append("<form method=\"post\" action=\"/help\" novalidate>");
        MediumChoice(sb, service, input.Medium, errors);
        sb.Append("<fieldset><legend>How should we reach you?</legend>");
        Input(sb, "number", "Phone number or SIP address", "tel", input.Number, "International form, e.g. +44 20 7946 0018, or sip:you@example.com", errors, required: true, autocomplete: "tel");
        Input(sb, "imAddress", "IM address (optional)", "text", input.ImAddress, "To hear from us by chat, e.g. you@example.com", errors, autocomplete: "off");
        Input(sb, "name", "Your name (optional)", "text", input.Name, null, errors, autocomplete: "name");
        sb.Append("</fieldset>");

        sb.Append("<fieldset><legend>What is it about, and when?</legend>");
        Label(sb, "topic", "Topic");
        ErrorFor(sb, "topic", errors);
        sb.Append("<select id=\"field-topic\" name=\"topic\" required").Append(Described("topic", false, errors)).Append('>');
        foreach (var q in service.Policies.Queues)
            sb.Append("<option value=\"").Append(E(q.QueueId)).Append('"').Append(Same(input.Topic, q.QueueId) ? " selected" : "").Append('>')
              .Append(E(q.DisplayName)).Append("</option>");
        sb.Append("</select>");

        Label(sb, "preferredTime", "Preferred time");
        sb.Append("<p class=\"hint\" id=\"hint-preferredTime\">Times are shown in <span id=\"tz-name\">UTC</span>; only times with room are listed.</p>");
        ErrorFor(sb, "preferredTime", errors);
        sb.Append("<select id=\"field-preferredTime\" name=\"preferredTime\"").Append(Described("preferredTime", true, errors)).Append('>');
        sb.Append("<option value=\"now\">As soon as possible</option>");
        foreach (var q in service.Policies.Queues)
        {
            var slots = await service.FreeSlotsAsync(q, service.Site.PageSlotsPerTopic, ct);
            if (slots.Count == 0) continue;
            sb.Append("<optgroup label=\"").Append(E(q.DisplayName)).Append("\" data-queue=\"").Append(E(q.QueueId)).Append("\">");
            foreach (var s in slots)
            {
                var iso = s.Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
                sb.Append("<option value=\"").Append(iso).Append('"').Append(input.PreferredTime == iso ? " selected" : "")
                  .Append(" data-utc=\"").Append(iso).Append("\">").Append(E(s.Start.UtcDateTime.ToString("ddd d MMM, HH:mm", CultureInfo.InvariantCulture)))
                  .Append("</option>");
            }
            sb.Append("</optgroup>");
        }
        sb.Append("</select>");
        ErrorFor(sb, "timeZone", errors);
        sb.Append("<input type=\"hidden\" id=\"field-timeZone\" name=\"timeZone\" value=\"").Append(E(input.TimeZone)).Append("\">");
        sb.Append("</fieldset>");

        ErrorFor(sb, "pageUrl", errors);
        sb.Append("<input type=\"hidden\" id=\"field-pageUrl\" name=\"pageUrl\" value=\"").Append(E(input.PageUrl)).Append("\">");
        sb.Append("<button type=\"submit\">Call me back / continue</button></form>");
        AlertForm(sb, service, errors);
        sb.Append("</main>");
        sb.Append(HelpAssets.ScriptTag);
        if (chat is not null) sb.Append(Chat.WebChatSection.ScriptTag);
        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>
    /// The medium radio group (issue 18): a fieldset whose legend names the question, one labelled radio per medium this
    /// site serves (chat only when the page has a chat window, documents only when a topic has some); the error, if any,
    /// is tied to the group. Plain radios: arrow keys move between them, and the first is checked when none was chosen.
    /// </summary>
    private static void MediumChoice(StringBuilder sb, HelpRequestService service, string? chosen, IReadOnlyDictionary<string, string[]>? errors)
    {
        var offered = HelpRequestValidation.ServedMedia
            .Where(m => m switch
            {
                HelpMedium.ChatNow => service.ChatAvailable,
                HelpMedium.Documents => service.Site.HasDocuments,
                HelpMedium.Ivr => service.Site.HasFlows,
                _ => true,
            }).ToList();
        if (!HelpMediums.TryParse(chosen, out var current) || !offered.Contains(current)) current = offered[0];
        sb.Append("<fieldset id=\"field-medium\" class=\"media\"").Append(Described("medium", true, errors))
          .Append("><legend>How would you like to be helped?</legend>");
        sb.Append("<p class=\"hint\" id=\"hint-medium\">A call-back needs your number below; chat and documents need only the topic.</p>");
        ErrorFor(sb, "medium", errors);
        foreach (var m in offered)
        {
            var name = HelpMediums.Name(m);
            sb.Append("<div class=\"choice\"><input type=\"radio\" name=\"medium\" id=\"medium-").Append(name).Append("\" value=\"").Append(name).Append('"')
              .Append(m == current ? " checked" : "").Append("><label for=\"medium-").Append(name).Append("\">").Append(E(MediumText(m))).Append("</label></div>");
        }
        sb.Append("</fieldset>");
    }

    internal static string MediumText(HelpMedium medium) => medium switch
    {
        HelpMedium.Voice => "Call me back: an agent phones you",
        HelpMedium.Ivr => "Automated call-back: our phone service calls you",
        HelpMedium.Email => "Answer me by e-mail",
        HelpMedium.ChatNow => "Chat now, in the chat window on this page",
        HelpMedium.Documents => "Show me documents and videos to download",
        _ => medium.ToString(),
    };

    /// <summary>The topic's documents, chosen with "documents": links to /self-help/content/…; no call-back was made.</summary>
    public static string RenderDocuments(HelpRequestService service, HelpMediumView view)
    {
        var topic = service.Policies.Find(view.Topic)?.DisplayName ?? view.Topic;
        var sb = new StringBuilder(2048);
        Head(sb, $"Documents about {topic} – {service.Site.SiteName}");
        sb.Append("<main><h1>Documents about ").Append(E(topic)).Append("</h1><ul id=\"documents\">");
        foreach (var d in view.Documents)
            sb.Append("<li><a href=\"").Append(E(d.Url)).Append("\" download>").Append(E(d.Title)).Append("</a></li>");
        sb.Append("</ul><p>No call-back was booked. <a href=\"/\">Back to the help page</a> to ask for one.</p></main></body></html>");
        return sb.ToString();
    }

    public static string RenderStatus(HelpRequestService service, HelpRequestView view)
    {
        var sb = new StringBuilder(4096);
        Head(sb, $"Your call-back request – {service.Site.SiteName}");
        sb.Append("<main><h1>Your call-back request</h1>");
        sb.Append("<p>Keep this page's address to check on your request.</p>");
        sb.Append("<dl id=\"request\" data-id=\"").Append(E(view.Id)).Append("\" aria-live=\"polite\">");
        sb.Append("<dt>Status</dt><dd id=\"status\">").Append(E(StatusText(view.Status))).Append("</dd>");
        sb.Append("<dt>Topic</dt><dd>").Append(E(service.Policies.Find(view.Topic)?.DisplayName ?? view.Topic)).Append("</dd>");
        sb.Append("<dt>How</dt><dd id=\"medium\" data-medium=\"").Append(E(view.Medium)).Append("\">")
          .Append(E(MediumText(HelpMediums.Read(view.Medium)))).Append("</dd>");
        sb.Append("<dt>Scheduled for</dt><dd id=\"scheduled\" data-utc=\"").Append(view.ScheduledAt.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
          .Append(E(view.ScheduledAt.UtcDateTime.ToString("ddd d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append("</dd>");
        sb.Append("<dt>Position</dt><dd id=\"position\">").Append(view.Position > 0 ? view.Position.ToString(CultureInfo.InvariantCulture) : "–").Append("</dd>");
        sb.Append("<dt>Estimated wait</dt><dd id=\"ewt\">").Append(E(WaitText(view.EwtSeconds))).Append("</dd>");
        sb.Append("</dl><p><a href=\"/\">Back to the help page</a></p></main>");
        sb.Append(HelpAssets.ScriptTag);
        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>"Tell me when the wait is short": topic and minutes; the notice shows on the alert's page (or by IM).</summary>
    private static void AlertForm(StringBuilder sb, HelpRequestService service, IReadOnlyDictionary<string, string[]>? errors)
    {
        sb.Append("<section aria-labelledby=\"alert-title\"><h2 id=\"alert-title\">Or: tell me when the wait is short</h2>")
          .Append("<form method=\"post\" action=\"/alerts\" novalidate><fieldset><legend>Waiting-time alert</legend>");
        Label(sb, "alert-topic", "Topic to watch");
        ErrorFor(sb, "alert-topic", errors);
        sb.Append("<select id=\"field-alert-topic\" name=\"topic\"").Append(Described("alert-topic", false, errors)).Append('>');
        foreach (var q in service.Policies.Queues)
            sb.Append("<option value=\"").Append(E(q.QueueId)).Append("\">").Append(E(q.DisplayName)).Append("</option>");
        sb.Append("</select>");
        Label(sb, "alert-thresholdMinutes", "Tell me when the wait is below (minutes)");
        ErrorFor(sb, "alert-thresholdMinutes", errors);
        sb.Append("<input id=\"field-alert-thresholdMinutes\" name=\"thresholdMinutes\" type=\"number\" min=\"1\" max=\"")
          .Append(CustomerAlertService.MaxThresholdMinutes).Append("\" value=\"5\" inputmode=\"numeric\"").Append(Described("alert-thresholdMinutes", false, errors)).Append('>');
        sb.Append("<input type=\"hidden\" name=\"channel\" value=\"web\">");
        sb.Append("</fieldset><button type=\"submit\">Alert me</button></form></section>");
    }

    public static string RenderAlert(HelpRequestService service, AlertView view, string topicName)
    {
        var sb = new StringBuilder(2048);
        Head(sb, $"Waiting-time alert – {service.Site.SiteName}");
        sb.Append("<main><h1>Waiting-time alert</h1><p id=\"alert\" data-id=\"").Append(E(view.Id)).Append("\" data-topic=\"").Append(E(topicName)).Append("\" aria-live=\"polite\">")
          .Append(E(AlertText(view, topicName))).Append("</p><p>Current wait for ").Append(E(topicName)).Append(": <span id=\"ewt\">")
          .Append(E(WaitText(view.EwtSeconds))).Append("</span></p><p><a href=\"/\">Back to the help page</a></p></main>");
        sb.Append(HelpAssets.ScriptTag).Append("</body></html>");
        return sb.ToString();
    }

    internal static string AlertText(AlertView view, string topicName) => view.Status == CustomerAlertStatus.Triggered
        ? $"The wait for {topicName} is now short: call us or ask for a call-back."
        : $"Waiting: we will tell you here when the wait for {topicName} drops below {view.ThresholdMinutes} minutes.";

    public static string RenderNotFound(HelpRequestService service)
    {
        var sb = new StringBuilder(1024);
        Head(sb, $"Request not found – {service.Site.SiteName}");
        sb.Append("<main><h1>Request not found</h1><p>There is no help request at this address. <a href=\"/\">Make a new request</a>.</p></main></body></html>");
        return sb.ToString();
    }

    internal static string WaitText(double? seconds) => seconds switch
    {
        null => "unknown (no agent available right now)",
        <= 0 => "no wait",
        < 60 => "less than a minute",
        < 5400 => $"about {Math.Round(seconds.Value / 60).ToString(CultureInfo.InvariantCulture)} minutes",
        _ => $"about {Math.Round(seconds.Value / 3600, 1).ToString(CultureInfo.InvariantCulture)} hours",
    };

    internal static string StatusText(CallbackStatus status) => status switch
    {
        CallbackStatus.Scheduled => "Scheduled: we will call you",
        CallbackStatus.Queued => "An agent is being connected; we will call you in a moment",
        CallbackStatus.Dialling => "Calling you now",
        CallbackStatus.Connected => "Connected",
        CallbackStatus.Done => "Done",
        CallbackStatus.Cancelled => "Cancelled",
        CallbackStatus.Failed => "We could not reach you",
        CallbackStatus.Interrupted => "Interrupted: an agent will arrange a new time",
        _ => status.ToString(),
    };

    private static void Head(StringBuilder sb, string title) => sb
        .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .Append("<title>").Append(E(title)).Append("</title>")
        .Append("<link rel=\"stylesheet\" href=\"/assets/help.css\">")
        .Append("</head><body>");

    private static void Input(StringBuilder sb, string field, string label, string type, string? value, string? hint,
        IReadOnlyDictionary<string, string[]>? errors, bool required = false, string? autocomplete = null)
    {
        Label(sb, field, label);
        if (hint is not null) sb.Append("<p class=\"hint\" id=\"hint-").Append(field).Append("\">").Append(E(hint)).Append("</p>");
        ErrorFor(sb, field, errors);
        sb.Append("<input id=\"field-").Append(field).Append("\" name=\"").Append(field).Append("\" type=\"").Append(type)
          .Append("\" value=\"").Append(E(value)).Append('"');
        if (required) sb.Append(" required aria-required=\"true\"");
        if (autocomplete is not null) sb.Append(" autocomplete=\"").Append(autocomplete).Append('"');
        sb.Append(Described(field, hint is not null, errors)).Append('>');
    }

    private static void Label(StringBuilder sb, string field, string text) =>
        sb.Append("<label for=\"field-").Append(field).Append("\">").Append(E(text)).Append("</label>");

    private static void ErrorFor(StringBuilder sb, string field, IReadOnlyDictionary<string, string[]>? errors)
    {
        if (errors is null || !errors.TryGetValue(field, out var messages)) return;
        sb.Append("<p class=\"error\" id=\"error-").Append(field).Append("\"><span class=\"visually-hidden\">Error: </span>")
          .Append(E(string.Join(" ", messages))).Append("</p>");
    }

    private static string Described(string field, bool hasHint, IReadOnlyDictionary<string, string[]>? errors)
    {
        var invalid = errors?.ContainsKey(field) == true;
        var ids = (hasHint ? "hint-" + field : "") + (invalid ? (hasHint ? " " : "") + "error-" + field : "");
        return (ids.Length > 0 ? $" aria-describedby=\"{ids}\"" : "") + (invalid ? " aria-invalid=\"true\"" : "");
    }

    private static bool Same(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string E(string? s) => s is null ? "" : Enc.Encode(s);
}
