using System.Security.Cryptography;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Ccgw.Core.Mail;
using Ccgw.Core.Repositories;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Web.Portal;

/// <summary>
/// Mailed one-time sign-in links. A request is only queued on the web path (<see cref="Request"/>): looking the address
/// up, storing the link and sending the mail happen here in the background, so the answer to a known address and to an
/// unknown one takes the same path and the same time. The token is 256 random bits, sent once and stored only as its
/// SHA-256; it works once, until <see cref="PortalSettings.LinkLifetime"/> passes. Each customer gets at most
/// <see cref="PortalSettings.LinksPerCustomerPerHour"/> links an hour (a mailbox is not flooded by strangers).
/// </summary>
public sealed partial class SignInLinks : BackgroundService
{
    /// <summary>Requests waiting to be handled; beyond it new ones are dropped (and logged): the web path never waits.</summary>
    public const int QueueCapacity = 1024;

    /// <summary>The longest e-mail address taken (RFC 5321 §4.5.3.1.3 path limit).</summary>
    public const int MaxEmailLength = 254;

    private readonly Channel<string> _requests = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly PartitionedRateLimiter<string> _perCustomer;
    private readonly ICustomerAccountStore _accounts;
    private readonly ISignInLinkStore _links;
    private readonly IMailSender _mail;
    private readonly PortalSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<SignInLinks> _log;

    public SignInLinks(ICustomerAccountStore accounts, ISignInLinkStore links, IMailSender mail, PortalSettings settings,
        TimeProvider time, ILogger<SignInLinks> log)
    {
        _accounts = accounts;
        _links = links;
        _mail = mail;
        _settings = settings;
        _time = time;
        _log = log;
        _perCustomer = PartitionedRateLimiter.Create<string, string>(id => RateLimitPartition.GetFixedWindowLimiter(id, _ =>
            new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.LinksPerCustomerPerHour,
                Window = TimeSpan.FromHours(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Queues a link for <paramref name="email"/> (already checked to look like an address); never waits.</summary>
    public void Request(string email)
    {
        if (!_requests.Writer.TryWrite(email)) LogQueueFull(_log, QueueCapacity);
    }

    /// <summary>The customer a link's token signs in, once; null for a used, expired, unknown or malformed token.</summary>
    public async Task<string?> ConsumeAsync(string? token, CancellationToken cancellationToken)
    {
        if (Hash(token) is not { } hash) return null;
        return await _links.ConsumeAsync(hash, _time.GetUtcNow(), cancellationToken);
    }

    /// <summary>Whether <paramref name="token"/> has the shape of one of ours (43 base64url characters); says nothing of its validity.</summary>
    public static bool IsTokenShape(string? token) => Hash(token) is not null;

    /// <summary>Handles one request: the whole of what the background does for it, callable directly by tests.</summary>
    public async Task HandleAsync(string email, CancellationToken cancellationToken)
    {
        var customerId = await _accounts.FindIdByEmailAsync(email, cancellationToken);
        if (customerId is null)
        {
            LogUnknownAddress(_log);
            return;
        }
        using var lease = _perCustomer.AttemptAcquire(customerId);
        if (!lease.IsAcquired)
        {
            LogTooManyLinks(_log, customerId, _settings.LinksPerCustomerPerHour);
            return;
        }
        var token = RandomNumberGenerator.GetBytes(32);
        var now = _time.GetUtcNow();
        var expires = now + _settings.LinkLifetime;
        await _links.AddAsync(SHA256.HashData(token), customerId, now, expires, cancellationToken);
        var link = new Uri(_settings.PublicUrl, "/me/sign-in/link?token=" + WebEncoders.Base64UrlEncode(token));
        var minutes = (int)Math.Round(_settings.LinkLifetime.TotalMinutes);
        await _mail.SendAsync(new OutgoingMail(email, $"Your sign-in link for {_settings.SiteName}",
            $"Hello,\n\nsomeone (we hope you) asked to sign in to {_settings.SiteName} with this address.\n\n" +
            $"Open this link to sign in. It works once, for {minutes} minutes:\n\n{link}\n\n" +
            "If you did not ask for it, ignore this message: nothing happens unless the link is opened.\n"), cancellationToken);
        LogLinkSent(_log, customerId, expires);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var email in _requests.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await HandleAsync(email, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One relay or storage failure costs this link only; the customer may ask again.
                    LogSendFailed(_log, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end; queued requests are dropped (the asker may ask again).
        }
    }

    public override void Dispose()
    {
        _perCustomer.Dispose();
        base.Dispose();
    }

    private static byte[]? Hash(string? token)
    {
        if (token is not { Length: 43 }) return null;
        foreach (var ch in token)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')) return null;
        return SHA256.HashData(WebEncoders.Base64UrlDecode(token));
    }

    [LoggerMessage(EventId = 17100, Level = LogLevel.Information, Message = "sign-in link mailed to customer {CustomerId}, valid until {ExpiresAt:O}")]
    private static partial void LogLinkSent(ILogger logger, string customerId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 17101, Level = LogLevel.Debug, Message = "sign-in link asked for an address no customer has; nothing sent")]
    private static partial void LogUnknownAddress(ILogger logger);

    [LoggerMessage(EventId = 17102, Level = LogLevel.Warning, Message = "sign-in link for customer {CustomerId} not sent: more than {PerHour} asked for within an hour")]
    private static partial void LogTooManyLinks(ILogger logger, string customerId, int perHour);

    [LoggerMessage(EventId = 17103, Level = LogLevel.Error, Message = "sign-in link could not be stored or mailed (check Mail:Smtp)")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 17104, Level = LogLevel.Warning, Message = "sign-in link requests are arriving faster than they are sent ({Capacity} waiting); this one is dropped")]
    private static partial void LogQueueFull(ILogger logger, int capacity);
}
