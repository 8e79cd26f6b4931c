using System.Text;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>The products the customer owns (with purchase dates) and their orders with status.</summary>
internal sealed class OrdersSection : IMeSection
{
    public string Id => "orders";

    public string Title => "Your products and orders";

    public int Order => 400;

    public Task RenderAsync(MeContext context, StringBuilder sb, CancellationToken cancellationToken)
    {
        var c = context.Customer;
        sb.Append("<h3>Products</h3>");
        if (c.Products.Count == 0) sb.Append("<p>No products on record.</p>");
        else
        {
            sb.Append("<ul id=\"products\">");
            foreach (var p in c.Products.OrderByDescending(p => p.Since ?? DateTimeOffset.MinValue))
            {
                sb.Append("<li>").Append(E(p.Name));
                if (p.Since is { } since) Date(sb.Append(", bought "), since);
                sb.Append("</li>");
            }
            sb.Append("</ul>");
        }
        sb.Append("<h3>Orders</h3>");
        if (c.Orders.Count == 0)
        {
            sb.Append("<p>No orders.</p>");
            return Task.CompletedTask;
        }
        var names = c.Products.ToDictionary(p => p.Code, p => p.Name, StringComparer.Ordinal);
        sb.Append("<div class=\"table\"><table id=\"order-list\"><caption class=\"visually-hidden\">Your orders</caption><thead><tr>")
          .Append("<th scope=\"col\">Order</th><th scope=\"col\">Product</th><th scope=\"col\">Placed</th><th scope=\"col\">Status</th></tr></thead><tbody>");
        foreach (var o in c.Orders.OrderByDescending(o => o.PlacedAt))
        {
            sb.Append("<tr><td>").Append(E(o.OrderId)).Append("</td><td>")
              .Append(E(o.ProductCode is null ? "" : names.GetValueOrDefault(o.ProductCode, o.ProductCode))).Append("</td><td>");
            Time(sb, o.PlacedAt).Append("</td><td class=\"status\">").Append(E(o.Status)).Append("</td></tr>");
        }
        sb.Append("</tbody></table></div>");
        return Task.CompletedTask;
    }
}
