using System.Globalization;
using System.Text;
using Ccgw.Core.SelfHelp;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// The wizards configured to the signed-in customer (their products first, as <see cref="WizardDesk"/> orders them),
/// each started by a form: starting is a recorded step, so it is a POST, never a link a crawler could follow.
/// </summary>
internal sealed class SelfHelpSection(WizardDesk desk) : IMeSection
{
    public const string SectionId = "self-help";

    public string Id => SectionId;

    public string Title => "Self-help";

    public int Order => 250;

    public async Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        var mine = await desk.ForCustomerAsync(context.Customer.Id, cancellationToken);
        if (mine is not { Wizards.Count: > 0 } found)
        {
            sb.Append("<p>No guides yet.</p>");
            return;
        }
        sb.Append("<p>Step-by-step guides chosen for you. What you do here is shown to our agents when you next contact us.</p><ul id=\"wizard-list\" class=\"wizards\">");
        foreach (var w in found.Wizards)
        {
            sb.Append("<li data-wizard=\"").Append(E(w.Content.Id)).Append("\"><form method=\"post\" class=\"inline\" action=\"/me/wizard/")
              .Append(E(w.Content.Id)).Append("/start\">").Append(context.CsrfField).Append("<button type=\"submit\">").Append(E(w.Content.Title))
              .Append("</button></form>");
            if (w.Reason == PersonalWizardReason.OwnedProduct) sb.Append(" <span class=\"hint\">for a product you own</span>");
            else if (w.Reason == PersonalWizardReason.AskedBefore) sb.Append(" <span class=\"hint\">about something you asked us before</span>");
            sb.Append("</li>");
        }
        sb.Append("</ul>");
    }
}

/// <summary>
/// Parts and services the customer may order now: the catalogue of products they acquired within
/// <c>SelfHelp:OrderWindowDays</c> (<see cref="OrderDesk.OfferAsync"/>), each with a quantity and an order button.
/// </summary>
internal sealed class OrderingSection(OrderDesk orders) : IMeSection
{
    public const string SectionId = "order";

    public string Id => SectionId;

    public string Title => "Order parts and services";

    public int Order => 350;

    public async Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        if (context.NoticeFor(Id) is { } notice) sb.Append("<p class=\"notice\" role=\"status\" id=\"order-notice\">").Append(E(notice)).Append("</p>");
        var offered = await orders.OfferAsync(context.Customer.Id, cancellationToken) ?? [];
        if (offered.Count == 0)
        {
            sb.Append("<p>Nothing to order: parts and services are offered for products you bought recently.</p>");
            return;
        }
        sb.Append("<ul id=\"catalogue\" class=\"catalogue\">");
        foreach (var item in offered) OrderForm(sb, context.CsrfField, item, "catalogue");
        sb.Append("</ul>");
    }

    /// <summary>One item with its order form (also the wizard's "order" ending); <paramref name="prefix"/> keeps field ids unique.</summary>
    internal static void OrderForm(StringBuilder sb, string csrfField, CatalogueItem item, string prefix)
    {
        var qty = prefix + "-qty-" + item.Id;
        sb.Append("<li data-item=\"").Append(E(item.Id)).Append("\"><p><strong>").Append(E(item.Name)).Append("</strong> (")
          .Append(item.Kind == CatalogueItemKind.Part ? "part" : "service");
        if (item.PriceMinor is { } price && item.Currency is { } currency)
            sb.Append(", ").Append(E(currency)).Append(' ').Append((price / 100m).ToString("0.00", CultureInfo.InvariantCulture));
        sb.Append(")</p>");
        if (item.Description is { Length: > 0 } d) sb.Append("<p>").Append(E(d)).Append("</p>");
        sb.Append("<form method=\"post\" class=\"inline\" action=\"/me/orders\">").Append(csrfField)
          .Append("<input type=\"hidden\" name=\"item\" value=\"").Append(E(item.Id)).Append("\">")
          .Append("<label for=\"").Append(E(qty)).Append("\">Quantity</label><input id=\"").Append(E(qty))
          .Append("\" name=\"quantity\" type=\"number\" min=\"1\" max=\"").Append(OrderDesk.MaxQuantity.ToString(CultureInfo.InvariantCulture))
          .Append("\" value=\"1\" inputmode=\"numeric\"><button type=\"submit\">Order ").Append(E(item.Name)).Append("</button></form></li>");
    }
}
