using System.Diagnostics.Metrics;
using System.Net;
using Ccgw.Configuration;
using Ccgw.Core.Security;
using Ccgw.Sip.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Ccgw.Daemon.Channels;

/// <summary>
/// One <see cref="ConnectionCaps"/> per TCP listener (Listeners:MaxConnections, Listeners:MaxConnectionsPerAddress),
/// handed to Kestrel's endpoints as connection middleware and to the SIP stack as its admission hook.
/// </summary>
internal sealed class ListenerCaps : IDisposable
{
    private readonly ListenersOptions _listeners;
    private int _maxTotal;
    private int _maxPerAddress;
    private readonly ILogger _log;
    private readonly Meter _meter;
    private readonly Dictionary<string, ConnectionCaps> _byName = [];
    private readonly Lock _gate = new();

    public ListenerCaps(GatewayOptions options, IMeterFactory meters, ILogger<ListenerCaps> log)
    {
        _listeners = options.Listeners;
        _maxTotal = _listeners.MaxConnections;
        _maxPerAddress = _listeners.MaxConnectionsPerAddress;
        _log = log;
        _meter = meters.Create(ConnectionCaps.MeterName);
    }

    public ConnectionCaps For(string listener)
    {
        lock (_gate)
        {
            if (!_byName.TryGetValue(listener, out var caps))
                _byName[listener] = caps = new ConnectionCaps(listener, _maxTotal, _maxPerAddress, _log, _meter);
            return caps;
        }
    }

    /// <summary>
    /// A reload's <c>Listeners:MaxConnections</c> and <c>Listeners:MaxConnectionsPerAddress</c>, applied to every
    /// listener's caps at once (the next accepted connection is admitted against them; open ones stay). True when they changed.
    /// </summary>
    public bool Apply(ListenersOptions listeners)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        lock (_gate)
        {
            if (listeners.MaxConnections == _maxTotal && listeners.MaxConnectionsPerAddress == _maxPerAddress) return false;
            _maxTotal = listeners.MaxConnections;
            _maxPerAddress = listeners.MaxConnectionsPerAddress;
            foreach (var caps in _byName.Values) caps.SetLimits(_maxTotal, _maxPerAddress);
            return true;
        }
    }

    /// <summary>The SIP stack's admission hook: TCP and TLS are two listeners with caps of their own.</summary>
    public IDisposable? AdmitSip(SipTransportKind kind, IPAddress address) =>
        For(kind == SipTransportKind.Tls ? "sip-tls" : "sip-tcp").TryAdmit(address, out _);

    /// <summary>Which configured listener a Kestrel endpoint is (its name in logs and metrics).</summary>
    public string NameOf(EndPoint endPoint)
    {
        if (endPoint is IPEndPoint ip)
        {
            if (Is(_listeners.Xmpp, ip)) return "xmpp";
            if (Is(_listeners.Mqtt, ip)) return "mqtt";
            if (Is(_listeners.Http, ip)) return "http";
        }
        return endPoint.ToString() ?? "unknown";
    }

    private static bool Is(ListenerOptions listener, IPEndPoint ip) =>
        listener.Enabled && listener.Port == ip.Port && IPAddress.TryParse(listener.Address, out var a) && a.Equals(ip.Address);

    public void Dispose() => _meter.Dispose();
}

internal static class ListenerCapsKestrel
{
    /// <summary>
    /// Applied to every Kestrel endpoint (HTTP, XMPP, MQTT, and any an operator adds), first in its middleware so a
    /// refused connection is closed before a TLS handshake or a byte of parsing. Kestrel's own MaxConcurrentConnections
    /// counts in total only; the per-address share is what keeps one flooding address from filling it.
    /// </summary>
    public static void UseConnectionCaps(this ListenOptions listen)
    {
        var caps = listen.ApplicationServices.GetRequiredService<ListenerCaps>();
        var listener = caps.For(caps.NameOf(listen.EndPoint));
        listen.Use(next => async connection =>
        {
            using var lease = listener.TryAdmit((connection.RemoteEndPoint as IPEndPoint)?.Address, out _);
            // Returning without calling the next delegate ends the connection: Kestrel closes the socket.
            if (lease is null) return;
            await next(connection);
        });
    }
}
