using System.Globalization;
using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Web.Help;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>The customer's pending call-backs, each with a form to move it to another offered time or cancel it.</summary>
internal sealed class CallbacksSection(CustomerCallbacks mine, HelpRequestService help) : IMeSection
{
    public const string SectionId = "callbacks";

    public string Id => SectionId;

    public string Title => "Your call-backs";

    public int Order => 200;

    public async Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        if (context.NoticeFor(Id) is { } notice) sb.Append("<p class=\"notice\" role=\"status\">").Append(E(notice)).Append("</p>");
        if (context.ErrorsFor(Id) is { Count: > 0 } errors)
            sb.Append("<p class=\"error\" role=\"alert\">Error: ").Append(E(string.Join(" ", errors.Values.SelectMany(v => v)))).Append("</p>");
        var list = await mine.ListAsync(context.Customer, cancellationToken);
        if (list.Count == 0)
        {
            sb.Append("<p>No call-backs booked. <a href=\"/\">Ask for one</a>.</p>");
            return;
        }
        sb.Append("<ul class=\"callbacks\">");
        foreach (var cb in list)
        {
            sb.Append("<li data-callback=\"").Append(E(cb.Id)).Append("\"><p><strong>")
              .Append(E(help.Policies.Find(cb.QueueId)?.DisplayName ?? cb.QueueId)).Append("</strong>, to ").Append(E(cb.Address)).Append(", ");
            Time(sb, cb.ScheduledAt).Append(": <span class=\"status\">").Append(E(HelpPage.StatusText(cb.Status))).Append("</span>")
              .Append(" <span class=\"medium\" data-medium=\"").Append(E(HelpMediums.Name(cb.Medium))).Append("\">(")
              .Append(E(HelpPage.MediumText(cb.Medium))).Append(")</span></p>");
            if (cb.Status == CallbackStatus.Scheduled)
            {
                var slots = await mine.SlotsAsync(cb, cancellationToken);
                if (slots.Count > 0)
                {
                    var fieldId = "move-" + cb.Id;
                    sb.Append("<form method=\"post\" class=\"inline\" action=\"/me/callbacks/").Append(E(cb.Id)).Append("/move\">").Append(context.CsrfField)
                      .Append("<label for=\"").Append(fieldId).Append("\">New time</label><select id=\"").Append(fieldId).Append("\" name=\"slot\">");
                    foreach (var s in slots)
                    {
                        var iso = s.Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
                        sb.Append("<option value=\"").Append(iso).Append("\">")
                          .Append(E(s.Start.UtcDateTime.ToString("ddd d MMM, HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append("</option>");
                    }
                    sb.Append("</select><button type=\"submit\">Move</button></form>");
                }
            }
            sb.Append("<form method=\"post\" class=\"inline\" action=\"/me/callbacks/").Append(E(cb.Id)).Append("/cancel\">").Append(context.CsrfField)
              .Append("<button type=\"submit\" class=\"secondary\">Cancel this call-back</button></form></li>");
        }
        sb.Append("</ul>");
    }
}
