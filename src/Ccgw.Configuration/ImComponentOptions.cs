namespace Ccgw.Configuration;

/// <summary>
/// <c>Im:Component</c>: run the IM gateway as an external component (XEP-0114) of a site's XMPP server (Prosody,
/// ejabberd) instead of on the built-in server. The queue addresses then live on <see cref="Domain"/>
/// (e.g. <c>sales@help.example.com</c>); agents and customers keep their accounts on the site's server, whose domain is
/// <c>Site:XmppDomain</c>.
/// </summary>
public sealed class ImComponentOptions
{
    public bool Enabled { get; set; }

    /// <summary>The server's component listener (Prosody: <c>component_ports</c>, default 5347).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 5347;

    /// <summary>The component's domain as declared on the server (Prosody: <c>Component "help.example.com"</c>).</summary>
    public string Domain { get; set; } = "";

    /// <summary>The component secret shared with the server (Prosody: <c>component_secret</c>).</summary>
    public string? Secret { get; set; }

    /// <summary>First reconnect delay after the link drops; doubled per failed attempt up to <see cref="ReconnectMaxSeconds"/>.</summary>
    public int ReconnectMinSeconds { get; set; } = 1;

    public int ReconnectMaxSeconds { get; set; } = 60;
}
