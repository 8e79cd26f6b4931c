using System.Net;
using Ccgw.Sip;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Daemon.Channels;

/// <summary>
/// Owns the SIP stack: binds its UDP, TCP and (optionally) TLS listeners in StartAsync, so a port that cannot be
/// bound stops start-up (exit 71) before READY, and closes them on stop.
/// </summary>
internal sealed partial class SipService(GatewayOptions options, LoadedConfiguration config, ISipCredentialStore accounts,
    IRegistrationStore registrations, TimeProvider time, ILoggerFactory loggers, ILogger<SipService> log) : IHostedService, IAsyncDisposable
{
    private SipStack? _stack;
    private TrunkAdmission? _admission;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The running stack (for trunk keep-alives and the voice path).</summary>
    public SipStack Stack => _stack ?? throw new InvalidOperationException("the SIP stack has not started");

    /// <summary>The voice path, set by <see cref="VoiceService"/> once it has started; admitted calls get 480 without it.</summary>
    public Ccgw.Voice.VoiceGateway? Voice { get; set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var l = options.Listeners;
        var tls = l.SipTls.Enabled
            ? CertificateFiles.Load(config.Context.Resolve(l.SipTls.Certificate!),
                l.SipTls.CertificateKey is { Length: > 0 } key ? config.Context.Resolve(key) : null)
            : null;
        var stack = new SipStack(new SipStackOptions
        {
            Domain = options.Site.SipDomain,
            UserAgent = $"ccgw/{BuildInfo.Version}",
            Transport = new SipTransportOptions
            {
                Udp = l.SipUdp.Enabled ? new IPEndPoint(IPAddress.Parse(l.SipUdp.Address), l.SipUdp.Port) : null,
                Tcp = l.SipTcp.Enabled ? new IPEndPoint(IPAddress.Parse(l.SipTcp.Address), l.SipTcp.Port) : null,
                Tls = tls is null ? null : new IPEndPoint(IPAddress.Parse(l.SipTls.Address), l.SipTls.Port),
                TlsCertificate = tls,
            },
            Digest = new SipDigestOptions
            {
                Realm = options.Site.SipDomain,
                NonceKey = NonceKey(),
                Algorithms = [.. options.Sip.EffectiveDigestAlgorithms.Select(a =>
                    a.Equals("MD5", StringComparison.OrdinalIgnoreCase) ? DigestAlgorithm.Md5 : DigestAlgorithm.Sha256)],
            },
        }, accounts, registrations, time, loggers.CreateLogger("Ccgw.Sip"));
        _admission = new TrunkAdmission(options.Trunks, options.Site.SipDomain, time, stack.Options.Digest.NonceKey);
        stack.RequestHandler = TakeRequest;
        stack.Start();
        _stack = stack;
        LogListening(log, stack.UdpEndPoint, stack.TcpEndPoint, stack.TlsEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <summary>New INVITEs go through trunk admission first; in-dialog requests belong to the voice path's calls.</summary>
    private bool TakeRequest(SipServerTransaction transaction)
    {
        if (transaction is not SipServerInviteTransaction invite || invite.Request.To?.Tag is not null)
            return Voice?.TakeInDialogRequest(transaction) ?? false;
        _ = AdmitAsync(invite);
        return true;
    }

    /// <summary>
    /// 403 for callers that are no trunk, 401 to ask a digest trunk for its credentials; admitted calls go to the voice
    /// path (480 while it is not running, e.g. during shut-down).
    /// </summary>
    private async Task AdmitAsync(SipServerInviteTransaction invite)
    {
        var request = invite.Request;
        var tag = Guid.NewGuid().ToString("N")[..12];
        int code;
        SipResponse response;
        try
        {
            var decision = await _admission!.DecideAsync(request, invite.Peer.Address.Address, _stopping.Token);
            if (decision.Verdict == TrunkVerdict.Accepted && Voice is { } voice)
            {
                await voice.AcceptTrunkCallAsync(invite, decision.TrunkId!, _stopping.Token);
                return;
            }
            code = decision.Verdict switch { TrunkVerdict.Accepted => 480, TrunkVerdict.Challenge => 401, _ => 403 };
            response = SipResponseFactory.Create(request, code, toTag: tag);
            if (decision.Verdict == TrunkVerdict.Challenge) _admission.AddChallenges(response, decision.Stale);
            if (decision.Verdict == TrunkVerdict.Refused) LogCallRefused(log, invite.Peer.Address);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        response.Headers.Add(SipHeaderNames.Server, $"ccgw/{BuildInfo.Version}");
        invite.SendResponse(response);
    }

    /// <summary>
    /// The key that signs digest nonces, kept in the data directory so that nonces handed out before a restart
    /// stay valid after it (phones re-register with the nonce they hold) and made on first start, readable by us only.
    /// </summary>
    private byte[] NonceKey()
    {
        var path = Path.Combine(config.Context.Resolve(options.Data.Directory), "sip-nonce.key");
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == 32) return existing;
        }
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using (var file = new FileStream(path, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        {
            file.Write(key);
            file.Flush(flushToDisk: true);
        }
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        if (_stack is { } stack)
        {
            _stack = null;
            await stack.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 44, Level = LogLevel.Information, Message = "SIP INVITE from {Source} refused: no trunk admits it")]
    private static partial void LogCallRefused(ILogger logger, IPEndPoint source);

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "SIP listening: udp {Udp}, tcp {Tcp}, tls {Tls}")]
    private static partial void LogListening(ILogger logger, IPEndPoint? udp, IPEndPoint? tcp, IPEndPoint? tls);
}
