namespace Ccgw.Core.Mail;

/// <summary>A plain-text message to one recipient (sign-in links; later e-mail answers and alerts).</summary>
public sealed record OutgoingMail(string To, string Subject, string Body);

/// <summary>
/// Sends mail through the configured relay (<c>Mail:Smtp</c>). The seam keeps the SMTP client (MailKit) out of the
/// core and lets tests see what would be sent. Throws when the relay refuses or cannot be reached; callers that send
/// in the background log the failure.
/// </summary>
public interface IMailSender
{
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default);
}
