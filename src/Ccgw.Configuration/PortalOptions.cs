namespace Ccgw.Configuration;

/// <summary>Outgoing mail (CONTRACT §9 <c>Mail:Smtp</c>): sign-in links now, e-mail answers and alerts later.</summary>
public sealed class MailOptions
{
    /// <summary>The relay; no Host means no mail is sent (sign-in by link then says so in the log, never to the asker).</summary>
    public SmtpOptions Smtp { get; set; } = new();
}

public sealed class SmtpOptions
{
    public const string TlsNone = "none";
    public const string TlsStartTls = "starttls";
    public const string TlsImplicit = "tls";

    public string? Host { get; set; }
    public int Port { get; set; } = 25;

    /// <summary><c>none</c> (plain, only sensible on loopback), <c>starttls</c> (upgrade, required) or <c>tls</c> (implicit TLS, port 465).</summary>
    public string Tls { get; set; } = TlsStartTls;

    /// <summary>Optional login; give both or neither.</summary>
    public string? User { get; set; }
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>Contact centre &lt;help@example.com&gt;</c> or a bare address.</summary>
    public string? From { get; set; }
}

/// <summary>The customer portal (<c>/me</c>, issue 17).</summary>
public sealed class PortalOptions
{
    /// <summary>
    /// The address customers reach the portal at, used in mailed links (never the request's Host header, which an
    /// attacker chooses). Unset: the HTTPS listener if enabled, else the HTTP listener.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>How long a mailed sign-in link works (once).</summary>
    public int SignInLinkMinutes { get; set; } = 15;

    /// <summary>A session ends after this long without a request (sliding).</summary>
    public int SessionIdleMinutes { get; set; } = 30;

    /// <summary>Sign-in links mailed to one customer per hour at most; more requests are dropped (and logged).</summary>
    public int LinksPerCustomerPerHour { get; set; } = 5;

    /// <summary>Sign-in attempts (link requests and XMPP passwords) per client address per minute.</summary>
    public int SignInsPerAddressPerMinute { get; set; } = 10;
}
