using System.Net;
using Ccgw.Sip;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Ccgw.Voice.Trunks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice.Edge;

/// <summary>
/// Owns the SIP stack and every hook it calls out through. Binds its UDP, TCP and (optionally) TLS listeners in
/// StartAsync, so a port that cannot be bound stops start-up (exit 71) before READY, and closes them on stop.
/// Every request the stack hands up takes one road: a new INVITE passes trunk admission (403/401) and goes to the
/// voice path; in-dialog requests, ACK, CANCEL and stray 2xx retransmissions go to the voice path's
/// <see cref="InDialogRouter"/>. While no voice path is attached (start-up, shut-down) admitted calls get 480,
/// in-dialog requests 481 (the stack's answer for a dialog it does not know) and CANCEL 487.
/// </summary>
/// <param name="options">Builds the stack's options at start (loads the TLS certificate and the nonce key then, so a
/// bad file stops start-up as a bind failure would).</param>
public sealed partial class SipStackHost(Func<SipStackOptions> options, VoiceSettings settings, ISipCredentialStore accounts,
    IRegistrationStore registrations, TimeProvider time, ILogger sipLog, ILogger<SipStackHost> log) : IHostedService, IAsyncDisposable
{
    private SipStack? _stack;
    private volatile TrunkAdmission? _admission;
    private byte[]? _nonceKey;
    private volatile VoiceGateway? _voice;
    private string _userAgent = "ccgw";
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The running stack (for trunk keep-alives, registration and the voice path).</summary>
    public SipStack Stack => _stack ?? throw new InvalidOperationException("the SIP stack has not started");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var stack = new SipStack(options(), accounts, registrations, time, sipLog);
        _nonceKey = stack.Options.Digest.NonceKey;
        _admission = new TrunkAdmission(settings.CurrentTrunks, settings.Domain, time, _nonceKey);
        // Trunks provisioned or reloaded at run time (issue 20): the next INVITE is judged against the new list; the
        // nonce key is the same, so a challenge issued under the old list is still answered under the new one.
        if (settings.TrunkDirectory is { } directory) directory.Changed += RebuildAdmission;
        stack.RequestHandler = TakeRequest;
        stack.AckHandler = OnAck;
        stack.CancelHandler = OnCancel;
        stack.StrayResponseHandler = OnStrayResponse;
        stack.Start();
        _userAgent = stack.Options.UserAgent;
        _stack = stack;
        LogListening(log, stack.UdpEndPoint, stack.TcpEndPoint, stack.TlsEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <summary>Calls up now through <paramref name="trunkId"/> (0 while no voice path is attached).</summary>
    public int CallsOnTrunk(string trunkId) => _voice?.CallsOnTrunk(trunkId) ?? 0;

    private void RebuildAdmission() => _admission = new TrunkAdmission(settings.CurrentTrunks, settings.Domain, time, _nonceKey);

    /// <summary>Hands admitted calls and in-dialog traffic to <paramref name="voice"/> (null: detach, e.g. on stop).</summary>
    public void Attach(VoiceGateway? voice) => _voice = voice;

    /// <summary>New INVITEs go through trunk admission first; in-dialog requests belong to the voice path's calls.</summary>
    private bool TakeRequest(SipServerTransaction transaction)
    {
        if (transaction is not SipServerInviteTransaction invite || invite.Request.To?.Tag is not null)
            return _voice?.Router.TakeInDialogRequest(transaction) ?? false;
        _ = AdmitAsync(invite);
        return true;
    }

    private void OnAck(SipRequest ack, SipEndPoint source) => _voice?.Router.OnAck(ack);

    private void OnCancel(SipServerInviteTransaction invite, SipRequest cancel)
    {
        if (_voice is { } voice) voice.Router.OnCancel(invite);
        else InDialogRouter.AnswerUnknownCancel(invite);
    }

    private void OnStrayResponse(SipResponse response, SipEndPoint source) => _voice?.Router.OnStrayResponse(response);

    /// <summary>
    /// 403 for callers that are no trunk, 401 to ask a digest trunk for its credentials; admitted calls go to the voice
    /// path (480 while it is not running, e.g. during shut-down). A voice path that fails to take the call answers 500.
    /// </summary>
    private async Task AdmitAsync(SipServerInviteTransaction invite)
    {
        var request = invite.Request;
        var tag = Guid.NewGuid().ToString("N")[..12];
        int code;
        SipResponse response;
        try
        {
            var admission = _admission!;
            var decision = await admission.DecideAsync(request, invite.Peer.Address.Address, _stopping.Token);
            if (decision.Verdict == TrunkVerdict.Accepted && _voice is { } voice)
            {
                await voice.AcceptTrunkCallAsync(invite, decision.TrunkId!, _stopping.Token);
                return;
            }
            code = decision.Verdict switch { TrunkVerdict.Accepted => 480, TrunkVerdict.Challenge => 401, _ => 403 };
            response = SipResponseFactory.Create(request, code, toTag: tag);
            if (decision.Verdict == TrunkVerdict.Challenge) admission.AddChallenges(response, decision.Stale);
            if (decision.Verdict == TrunkVerdict.Refused) LogCallRefused(log, invite.Peer.Address);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        response.Headers.Add(SipHeaderNames.Server, _userAgent);
        invite.SendResponse(response);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        if (settings.TrunkDirectory is { } directory) directory.Changed -= RebuildAdmission;
        _voice = null;
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
