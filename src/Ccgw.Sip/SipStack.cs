using System.IO.Pipelines;
using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Core;
using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Sip;

/// <summary>Everything the host configures; defaults match CONTRACT.md §2 (127.0.0.1:5060, domain localhost).</summary>
public sealed record SipStackOptions
{
    public string Domain { get; init; } = "localhost";

    public string UserAgent { get; init; } = "ccgw";

    public SipTransportOptions Transport { get; init; } = new();

    public SipTimerSettings Timers { get; init; } = SipTimerSettings.Default;

    /// <summary>Digest settings; set <see cref="SipDigestOptions.Realm"/> together with <see cref="Domain"/>.</summary>
    public SipDigestOptions Digest { get; init; } = new();

    public SipRegistrarOptions Registrar { get; init; } = new();

    /// <summary>Per-source request rate limit (Kamailio's pike); off by default.</summary>
    public SipPikeSettings Pike { get; init; } = SipPikeSettings.Off;

    /// <summary>Where the stack's instruments live (meter <c>Ccgw.Sip</c>); null: not measured.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? Meters { get; init; }
}

/// <summary>
/// The SIP stack a host runs: transports → parser/validator → transactions → UA core (OPTIONS, registrar,
/// 4xx/5xx rules) → host hooks. Construct, optionally set hooks, <see cref="Start"/>, and dispose to stop.
/// </summary>
public sealed class SipStack : IAsyncDisposable
{
    private readonly SipTransportHub _transport;
    private readonly SipUserAgentCore _core;
    private readonly CancellationTokenSource _stopping = new();

    public SipStack(SipStackOptions options, ISipCredentialStore credentials, IRegistrationStore registrations, TimeProvider? time = null, ILogger? log = null)
    {
        time ??= TimeProvider.System;
        log ??= NullLogger.Instance;
        Options = options;
        SipInboundPipeline? pipeline = null;
        _transport = new SipTransportHub(options.Transport, time, log, (m, s) => pipeline!.OnMessage(m, s));
        Transactions = new SipTransactionLayer(_transport, time, options.Timers);
        var pike = new SipPike(options.Pike, time, log, options.Meters?.Create(new System.Diagnostics.Metrics.MeterOptions("Ccgw.Sip")));
        Authenticator = new SipDigestAuthenticator(options.Digest, credentials, time);
        Registrar = new SipRegistrar(options.Registrar.Domain is null ? options.Registrar with { Domain = options.Domain } : options.Registrar, registrations, Authenticator, time);
        _core = new SipUserAgentCore(Registrar, options.UserAgent, log, _stopping.Token);
        Transactions.User = _core;
        pipeline = new SipInboundPipeline(_transport, Transactions, log, pike, _core.StatelessAnswer);
    }

    public SipStackOptions Options { get; }

    public SipTransactionLayer Transactions { get; }

    public SipDigestAuthenticator Authenticator { get; }

    public SipRegistrar Registrar { get; }

    /// <summary>Sends raw messages (e.g. ACK for 2xx, stateless responses) through the stack's transports.</summary>
    public ISipSender Sender => _transport;

    /// <summary>Takes INVITE/BYE/INFO/... server transactions; return false to let the core answer (480/481/405).</summary>
    public Func<SipServerTransaction, bool>? RequestHandler
    {
        get => _core.RequestHandler;
        set => _core.RequestHandler = value;
    }

    public Action<SipServerInviteTransaction, SipRequest>? CancelHandler
    {
        get => _core.CancelHandler;
        set => _core.CancelHandler = value;
    }

    public Action<SipRequest, SipEndPoint>? AckHandler
    {
        get => _core.AckHandler;
        set => _core.AckHandler = value;
    }

    /// <summary>Responses no client transaction matches, e.g. 2xx retransmissions the TU must ACK again (§13.2.2.4).</summary>
    public Action<SipResponse, SipEndPoint>? StrayResponseHandler
    {
        get => _core.StrayResponseHandler;
        set => _core.StrayResponseHandler = value;
    }

    public IPEndPoint? UdpEndPoint => _transport.UdpEndPoint;

    public IPEndPoint? TcpEndPoint => _transport.TcpEndPoint;

    public IPEndPoint? TlsEndPoint => _transport.TlsEndPoint;

    /// <summary>Binds the configured listeners (port 0 picks a free one) and starts receiving. Throws if a bind fails.</summary>
    public void Start() => _transport.Start();

    /// <summary>Serves a stream connection the host accepted itself (e.g. a Kestrel ConnectionHandler's pipe).</summary>
    public Task ServeConnectionAsync(IDuplexPipe connection, IPEndPoint remote, bool isTls, CancellationToken cancellationToken) =>
        _transport.ServeStreamAsync(connection.Input, connection.Output, new SipEndPoint(isTls ? SipTransportKind.Tls : SipTransportKind.Tcp, remote), cancellationToken);

    /// <summary>Feeds one datagram through the stack as the UDP listener would (bench/Ccgw.Bench.Sip).</summary>
    internal void ReceiveDatagram(ReadOnlySpan<byte> datagram, SipEndPoint source) => _transport.ReceiveDatagram(datagram, source);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _transport.DisposeAsync();
        Transactions.AbandonAll();
        _stopping.Dispose();
    }
}
