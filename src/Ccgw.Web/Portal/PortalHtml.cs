using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Ccgw.Web.Portal;

/// <summary>
/// The portal's page frame and the small helpers its sections share: encoding (everything not written by us goes
/// through <see cref="E"/>), labelled inputs tied to their errors (<c>aria-describedby</c>, <c>aria-invalid</c>), and
/// times as <c>&lt;time&gt;</c>. Style is /assets/portal.css (the CSP forbids inline style and script).
/// </summary>
public static class PortalHtml
{
    private static readonly HtmlEncoder Enc = HtmlEncoder.Default;

    public static string E(string? s) => s is null ? "" : Enc.Encode(s);

    public static StringBuilder Head(StringBuilder sb, string title) => sb
        .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .Append("<title>").Append(E(title)).Append("</title><link rel=\"stylesheet\" href=\"/assets/portal.css\"></head><body>");

    public static StringBuilder Foot(StringBuilder sb) => sb.Append("</body></html>");

    /// <summary>A UTC time as text with its machine-readable form.</summary>
    public static StringBuilder Time(StringBuilder sb, DateTimeOffset at) => sb
        .Append("<time datetime=\"").Append(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append("\">")
        .Append(at.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture)).Append("</time>");

    /// <summary>A date (purchases) with its machine-readable form.</summary>
    public static StringBuilder Date(StringBuilder sb, DateTimeOffset at) => sb
        .Append("<time datetime=\"").Append(at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("\">")
        .Append(at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture)).Append("</time>");

    /// <summary>The list of a form's errors, each linking to its field; focusable so that it can be announced.</summary>
    public static void ErrorSummary(StringBuilder sb, string prefix, IReadOnlyDictionary<string, string[]>? errors,
        IReadOnlyList<(string Field, string Label)> labels)
    {
        if (errors is not { Count: > 0 }) return;
        sb.Append("<div class=\"errors\" role=\"alert\" tabindex=\"-1\" id=\"").Append(prefix).Append("-errors\"><h3>Please correct the following</h3><ul>");
        foreach (var (field, label) in labels)
            if (errors.TryGetValue(field, out var messages))
                foreach (var m in messages)
                    sb.Append("<li><a href=\"#").Append(prefix).Append('-').Append(field).Append("\">").Append(E(label)).Append(": ").Append(E(m)).Append("</a></li>");
        foreach (var (field, messages) in errors)
            if (!labels.Any(l => l.Field == field))
                foreach (var m in messages)
                    sb.Append("<li>").Append(E(m)).Append("</li>");
        sb.Append("</ul></div>");
    }

    /// <summary>A labelled text input with its hint and error; <paramref name="maxLength"/> is also checked on the server.</summary>
    public static void Input(StringBuilder sb, string prefix, string field, string label, string type, string? value, int maxLength,
        IReadOnlyDictionary<string, string[]>? errors, string? hint = null, string? autocomplete = null, bool required = false)
    {
        var id = prefix + "-" + field;
        sb.Append("<label for=\"").Append(id).Append("\">").Append(E(label)).Append("</label>");
        if (hint is not null) sb.Append("<p class=\"hint\" id=\"").Append(id).Append("-hint\">").Append(E(hint)).Append("</p>");
        var invalid = errors?.TryGetValue(field, out var messages) == true;
        if (invalid) sb.Append("<p class=\"error\" id=\"").Append(id).Append("-error\">Error: ").Append(E(string.Join(" ", errors![field]))).Append("</p>");
        sb.Append("<input id=\"").Append(id).Append("\" name=\"").Append(field).Append("\" type=\"").Append(type).Append("\" value=\"")
          .Append(E(value)).Append("\" maxlength=\"").Append(maxLength.ToString(CultureInfo.InvariantCulture)).Append('"');
        if (autocomplete is not null) sb.Append(" autocomplete=\"").Append(autocomplete).Append('"');
        if (required) sb.Append(" required aria-required=\"true\"");
        var described = (hint is not null ? id + "-hint" : "") + (invalid ? (hint is not null ? " " : "") + id + "-error" : "");
        if (described.Length > 0) sb.Append(" aria-describedby=\"").Append(described).Append('"');
        if (invalid) sb.Append(" aria-invalid=\"true\"");
        sb.Append('>');
    }

    /// <summary>How long a wait is, in words (the help page's wording).</summary>
    public static string WaitText(double? seconds) => Help.HelpPage.WaitText(seconds);
}
