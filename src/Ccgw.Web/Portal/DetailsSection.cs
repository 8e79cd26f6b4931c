using System.Text;
using Ccgw.Core;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>The customer's details, as a form they may change (<c>POST /me/details</c>).</summary>
internal sealed class DetailsSection : IMeSection
{
    public const string SectionId = "details";

    public string Id => SectionId;

    public string Title => "Your details";

    public int Order => 100;

    public Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        var errors = context.ErrorsFor(Id);
        var input = context.Feedback is { SectionId: SectionId } f && f.Errors is not null && context.Http.Items[MeEndpoints.PostedDetailsKey] is DetailsForm.Input posted
            ? posted
            : DetailsForm.Input.From(context.Customer);
        if (context.NoticeFor(Id) is { } notice) sb.Append("<p class=\"notice\" role=\"status\">").Append(E(notice)).Append("</p>");
        ErrorSummary(sb, Id, errors, DetailsForm.Labels);
        sb.Append("<form method=\"post\" action=\"/me/details\" novalidate>").Append(context.CsrfField);
        Input(sb, Id, "name", "Name", "text", input.Name, DetailsForm.MaxNameLength, errors, autocomplete: "name", required: true);
        Input(sb, Id, "phones", "Phone numbers", "text", input.Phones, DetailsForm.MaxPhonesLength, errors,
            hint: "International form, separated by commas, e.g. +44 20 7946 0018", autocomplete: "tel");
        Input(sb, Id, "email", "E-mail address", "email", input.Email, DetailsForm.MaxEmailLength, errors,
            hint: "Sign-in links are sent here", autocomplete: "email");
        Input(sb, Id, "imAddress", "IM address", "text", input.ImAddress, DetailsForm.MaxImLength, errors, autocomplete: "off");
        sb.Append("<label for=\"details-preferredChannel\">Preferred way to reach you</label>");
        if (errors?.TryGetValue("preferredChannel", out var channelErrors) == true)
            sb.Append("<p class=\"error\" id=\"details-preferredChannel-error\">Error: ").Append(E(string.Join(" ", channelErrors))).Append("</p>");
        sb.Append("<select id=\"details-preferredChannel\" name=\"preferredChannel\"")
          .Append(errors?.ContainsKey("preferredChannel") == true ? " aria-invalid=\"true\" aria-describedby=\"details-preferredChannel-error\"" : "").Append('>');
        foreach (var (value, text) in new[] { ("none", "No preference"), ("voice", "Phone"), ("im", "Chat (IM)"), ("callback", "Call me back") })
            sb.Append("<option value=\"").Append(value).Append('"')
              .Append(string.Equals(input.PreferredChannel ?? "none", value, StringComparison.OrdinalIgnoreCase) ? " selected" : "")
              .Append('>').Append(text).Append("</option>");
        sb.Append("</select>");
        Input(sb, Id, "preferredHours", "Preferred hours", "text", input.PreferredHours, DetailsForm.MaxHoursLength, errors,
            hint: "e.g. weekdays 9-12");
        Input(sb, Id, "interests", "Interests", "text", input.Interests, DetailsForm.MaxInterestsLength, errors,
            hint: "Separated by commas, e.g. fibre, mobile roaming");
        sb.Append("<button type=\"submit\">Save my details</button></form>");
        return Task.CompletedTask;
    }
}
