using System.Text;
using System.Threading.Channels;
using Ccgw.Core.Mail;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// Status alerts by the customer's medium (issue 18): the customer picks page, chat or e-mail on <c>/me</c>; when one
/// of their orders changes status (admin API <c>PATCH /api/admin/orders/{id}</c>), an e-mail customer gets a mail
/// through <c>Mail:Smtp</c>. Sending happens on this service's own loop, so the admin request never waits on SMTP;
/// a failed send is logged and costs that alert only. "page" sends nothing (the orders list on /me shows the status);
/// "chat" is stored and shown, delivery in chat is not built yet.
/// </summary>
public sealed partial class StatusAlerts(IAlertMediumStore media, ICustomerRepository customers, IMailSender mail, PortalSettings settings,
    ILogger<StatusAlerts> log) : BackgroundService
{
    private readonly Channel<PlacedOrder> _orders = Channel.CreateBounded<PlacedOrder>(new BoundedChannelOptions(1024)
    {
        // A relay that is down for long loses the oldest news rather than holding the admin API.
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    /// <summary>An order moved to a new status: alert its customer in their medium.</summary>
    public void OrderStatusChanged(PlacedOrder order) => _orders.Writer.TryWrite(order);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var order in _orders.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await AlertAsync(order, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The relay or the store failed for this alert; the next one tries again.
                    LogFailed(log, order.OrderId, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    private async Task AlertAsync(PlacedOrder order, CancellationToken cancellationToken)
    {
        if (await media.GetAsync(order.CustomerId, cancellationToken) != AlertMedium.Email) return;
        if ((await customers.GetAsync(order.CustomerId, cancellationToken))?.Email is not { Length: > 0 } to) return;
        var status = OrderLifecycle.Name(order.Status);
        var body = new StringBuilder()
            .Append("Your order ").Append(order.OrderId).Append(" (").Append(order.Quantity).Append(" x ").Append(order.ItemName).Append(") is now ")
            .Append(status).Append(".\r\n\r\nYou can see your orders on your page: ").Append(new Uri(settings.PublicUrl, "me")).Append("\r\n\r\n")
            .Append("You get these alerts by e-mail because you chose so on your page; you can choose another way there.\r\n")
            .Append("-- ").Append(settings.SiteName).Append("\r\n").ToString();
        await mail.SendAsync(new OutgoingMail(to, $"Your order {order.OrderId} is now {status}", body), cancellationToken);
        LogSent(log, order.OrderId, order.CustomerId, status);
    }

    [LoggerMessage(EventId = 18230, Level = LogLevel.Information, Message = "status alert for order {OrderId} mailed to customer {CustomerId}: {Status}")]
    private static partial void LogSent(ILogger logger, string orderId, string customerId, string status);

    [LoggerMessage(EventId = 18231, Level = LogLevel.Warning, Message = "status alert for order {OrderId} could not be sent")]
    private static partial void LogFailed(ILogger logger, string orderId, Exception exception);
}

/// <summary>The /me section where the customer picks how status alerts reach them (<c>POST /me/alert-medium</c>).</summary>
internal sealed class AlertMediumSection(IAlertMediumStore media) : IMeSection
{
    public const string SectionId = "alerts";

    public string Id => SectionId;

    public string Title => "Status alerts";

    public int Order => 120;

    public async Task RenderAsync(MeContext context, StringBuilder html, CancellationToken cancellationToken)
    {
        var chosen = await media.GetAsync(context.Customer.Id, cancellationToken) ?? AlertMedium.Page;
        if (context.NoticeFor(SectionId) is { } notice) html.Append("<p class=\"notice\" role=\"status\" id=\"alerts-notice\">").Append(E(notice)).Append("</p>");
        html.Append("<form method=\"post\" action=\"/me/alert-medium\">").Append(context.CsrfField)
            .Append("<fieldset><legend>When an order changes status, tell me</legend>");
        foreach (var (value, label, medium) in new[]
        {
            ("page", "On this page only", AlertMedium.Page),
            ("chat", "In chat", AlertMedium.Chat),
            ("email", "By e-mail" + (context.Customer.Email is { } e ? $" ({e})" : " (add an e-mail address to your details)"), AlertMedium.Email),
        })
        {
            html.Append("<label><input type=\"radio\" name=\"medium\" value=\"").Append(value).Append('"').Append(medium == chosen ? " checked" : "")
                .Append("> ").Append(E(label)).Append("</label>");
        }
        html.Append("</fieldset><button type=\"submit\">Save how alerts reach me</button></form>");
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/me/alert-medium", async (HttpContext http, IAlertMediumStore store, TimeProvider time, CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            AlertMedium? medium = form["medium"].ToString() switch { "page" => AlertMedium.Page, "chat" => AlertMedium.Chat, "email" => AlertMedium.Email, _ => null };
            if (medium is not { } m)
                return MeEndpoints.Message(http, "Not saved", "Choose page, chat or e-mail.", StatusCodes.Status400BadRequest);
            await store.SetAsync(http.User.CustomerId()!, m, time.GetUtcNow(), ct);
            return MeEndpoints.SeeOther(http, "/me?notice=alerts-saved#alerts");
        }).RequireAuthorization(CustomerPortal.Policy);
    }
}
