using Ccgw.Core.Mail;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Ccgw.Web.Mail;

/// <summary>How to reach the relay: <c>none</c> (plain), <c>starttls</c> (upgrade, required), <c>tls</c> (implicit).</summary>
public enum SmtpTlsMode
{
    None,
    StartTls,
    Tls,
}

/// <summary><c>Mail:Smtp</c> as validated by the configuration.</summary>
public sealed record SmtpSettings(string Host, int Port, SmtpTlsMode Tls, string? User, string? Password, string From);

/// <summary>
/// Sends through MailKit's SMTP client, one connection per message: sign-in links are rare and each must go out on
/// its own, so a pooled connection the relay may have closed meanwhile would only add a failure mode.
/// </summary>
public sealed class SmtpMailSender(SmtpSettings settings) : IMailSender
{
    /// <summary>Longest the relay may take to answer any one step; a stuck relay must not hold the send loop.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new TextPart("plain") { Text = mail.Body };

        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        var options = settings.Tls switch
        {
            SmtpTlsMode.Tls => SecureSocketOptions.SslOnConnect,
            SmtpTlsMode.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        await client.ConnectAsync(settings.Host, settings.Port, options, cancellationToken);
        if (settings.User is { Length: > 0 } user) await client.AuthenticateAsync(user, settings.Password ?? "", cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}

/// <summary>No relay configured: nothing can be sent; the caller logs that a link was not mailed.</summary>
public sealed class NoMailSender : IMailSender
{
    public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default) =>
        Task.FromException(new InvalidOperationException("no mail relay is configured (Mail:Smtp:Host)"));
}
