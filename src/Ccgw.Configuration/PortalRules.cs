using System.Net;
using SystemMail = System.Net.Mail;

namespace Ccgw.Configuration;

/// <summary>Checks <c>Mail:Smtp</c> and <c>Portal</c>; every error names its key.</summary>
internal static class PortalRules
{
    public static void Check(GatewayOptions options, ConfigProblems problems)
    {
        var smtp = options.Mail.Smtp;
        if (smtp.Host is { } host)
        {
            if (host.Length == 0 || host.Length > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
                problems.Error("Mail:Smtp:Host", $"'{host}' is not a host name or IP address");
            if (smtp.Port is < 1 or > 65535)
                problems.Error("Mail:Smtp:Port", $"{smtp.Port} is out of range; use 1-65535 (587 for starttls, 465 for tls, 25 for a local relay)");
            if (smtp.Tls is not (SmtpOptions.TlsNone or SmtpOptions.TlsStartTls or SmtpOptions.TlsImplicit))
                problems.Error("Mail:Smtp:Tls", $"'{smtp.Tls}' is not a TLS mode; use none, starttls or tls");
            else if (smtp.Tls == SmtpOptions.TlsNone && !IsLoopback(host))
                problems.Warning("Mail:Smtp:Tls", "none sends sign-in links in clear text to a relay that is not on this machine; use starttls or tls");
            if (smtp.User is { Length: > 0 } != smtp.Password is { Length: > 0 })
                problems.Error(smtp.User is { Length: > 0 } ? "Mail:Smtp:Password" : "Mail:Smtp:User", "give both User and Password, or neither");
            if (smtp.From is not { Length: > 0 } from)
                problems.Error("Mail:Smtp:From", "give the sender address, e.g. help@example.com");
            else if (!IsMailbox(from))
                problems.Error("Mail:Smtp:From", $"'{from}' is not a mail address (name@example.com or \"Name <name@example.com>\")");
        }
        else if (smtp.From is not null || smtp.User is not null)
            problems.Error("Mail:Smtp:Host", "give the relay's host name (Mail:Smtp has other keys but no Host)");

        var portal = options.Portal;
        if (portal.PublicUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0))
            problems.Error("Portal:PublicUrl", $"'{url}' is not an absolute http or https address without query (e.g. https://help.example.com)");
        if (portal.SignInLinkMinutes is < 1 or > 1440)
            problems.Error("Portal:SignInLinkMinutes", $"{portal.SignInLinkMinutes} is out of range; use 1-1440 minutes (15 is usual)");
        if (portal.SessionIdleMinutes is < 1 or > 10_080)
            problems.Error("Portal:SessionIdleMinutes", $"{portal.SessionIdleMinutes} is out of range; use 1-10080 minutes");
        if (portal.LinksPerCustomerPerHour is < 1 or > 100)
            problems.Error("Portal:LinksPerCustomerPerHour", $"{portal.LinksPerCustomerPerHour} is out of range; use 1-100");
        if (portal.SignInsPerAddressPerMinute is < 1 or > 10_000)
            problems.Error("Portal:SignInsPerAddressPerMinute", $"{portal.SignInsPerAddressPerMinute} is out of range; use 1-10000");
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static bool IsMailbox(string text)
    {
        try
        {
            _ = new SystemMail.MailAddress(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
