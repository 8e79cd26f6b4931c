namespace Ccgw.Xmpp.Component;

/// <summary>Where the site's XMPP server accepts the component (XEP-0114) and how to reconnect.</summary>
public sealed record ComponentLinkOptions
{
    public required string Host { get; init; }

    public int Port { get; init; } = 5347;

    /// <summary>The component's domain (e.g. <c>help.localhost</c>), as configured on the server.</summary>
    public required string Domain { get; init; }

    /// <summary>The shared secret configured on the server for this component.</summary>
    public required string Secret { get; init; }

    /// <summary>First reconnect delay; doubled after each failed attempt up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Bound on connecting and on each step of the opening handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Where the component link stands (XEP-0114 §3 "Component Session Negotiation"):
/// <code>
/// Disconnected ─▶ Connecting ─TCP up, header sent─▶ AwaitingStreamHeader ─server's header (stream id)─▶ AwaitingHandshake
///      ▲                                                                   (handshake = hex SHA-1 of id + secret sent)
///      │                                                                                │ empty &lt;handshake/&gt;
///  BackingOff ◀── connect failure, stream error (e.g. not-authorized), stream end, I/O error ◀── Ready ◀┘
/// </code>
/// </summary>
public enum ComponentLinkState
{
    Disconnected,
    Connecting,
    AwaitingStreamHeader,
    AwaitingHandshake,
    Ready,
    BackingOff,
}

/// <summary>Reconnect delays: <c>min · 2^(failures-1)</c>, capped at max. A successful handshake resets the count.</summary>
public static class ComponentBackoff
{
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max)
    {
        if (failures <= 1) return min;
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var ticks = min.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
