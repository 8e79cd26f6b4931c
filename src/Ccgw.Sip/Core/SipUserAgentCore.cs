using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Core;

/// <summary>
/// The UAS core (RFC 3261 §8.2): method, URI-scheme, extension and body checks, OPTIONS (§11), REGISTER via the
/// registrar, and hand-off of dialog methods to the host's request handler (the B2BUA later).
/// </summary>
internal sealed class SipUserAgentCore : ISipTransactionUser
{
    /// <summary>Methods this stack understands; any other is 501 (§8.2.1), these without a handler are 405.</summary>
    private static readonly string[] KnownMethods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register, SipMethods.Info,
        SipMethods.Prack, SipMethods.Update, SipMethods.Subscribe, SipMethods.Notify, SipMethods.Message, SipMethods.Refer, SipMethods.Publish,
    ];

    private readonly SipRegistrar _registrar;
    private readonly string _userAgent;
    private readonly ILogger _log;
    private readonly CancellationToken _stopping;

    public SipUserAgentCore(SipRegistrar registrar, string userAgent, ILogger log, CancellationToken stopping)
    {
        _registrar = registrar;
        _userAgent = userAgent;
        _log = log;
        _stopping = stopping;
    }

    /// <summary>Host hook for INVITE/BYE/INFO/...: return true when it took the transaction.</summary>
    public Func<SipServerTransaction, bool>? RequestHandler { get; set; }

    /// <summary>Host hook for CANCEL of a pending INVITE; without one the INVITE gets 487.</summary>
    public Action<SipServerInviteTransaction, SipRequest>? CancelHandler { get; set; }

    public Action<SipRequest, SipEndPoint>? AckHandler { get; set; }

    public Action<SipResponse, SipEndPoint>? StrayResponseHandler { get; set; }

    public string AllowHeader { get; set; } = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO";

    public void OnRequest(SipServerTransaction transaction) => _ = HandleAsync(transaction);

    /// <summary>
    /// The answer to a request the core takes without a server transaction, or null to go through the transaction
    /// layer as usual. OPTIONS only: its answer has no side effect and its To tag is derived from the request
    /// (<see cref="SipTransactionLayer.LocalTag"/>), so a retransmission regenerates the very response a transaction
    /// would have replayed; RFC 3261 §8.2.7 allows a UAS to be stateless so, and Kamailio answers OPTIONS the same way
    /// (<c>sl_send_reply</c>). Why: a transaction kept 32 s (Timer J) per OPTIONS held the parsed request, the
    /// response and a timer through two garbage collections, most of the CPU per OPTIONS at 2,000/s (docs/sip.md).
    /// </summary>
    internal SipResponse? StatelessAnswer(SipRequest request)
    {
        if (request.Method != SipMethods.Options) return null;
        SipResponse response;
        try
        {
            response = Precheck(request) ?? Options(request);
        }
#pragma warning disable CA1031 // As in HandleAsync: a failure becomes a 500 instead of a silent timeout for the peer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.RequestHandlingFailed(e);
            response = SipResponseFactory.Create(request, 500, toTag: SipTransactionLayer.LocalTag(request));
        }
        response.Headers.Add(SipHeaderNames.Server, _userAgent);
        return response;
    }

    public void OnCancel(SipServerInviteTransaction invite, SipRequest cancel)
    {
        if (CancelHandler is { } h) h(invite, cancel);
        else Respond(invite, 487);
    }

    public void OnAck(SipRequest ack, SipEndPoint source) => AckHandler?.Invoke(ack, source);

    public void OnStrayResponse(SipResponse response, SipEndPoint source) => StrayResponseHandler?.Invoke(response, source);

    private async Task HandleAsync(SipServerTransaction tx)
    {
        try
        {
            var request = tx.Request;
            if (Precheck(request) is { } early)
            {
                Send(tx, early);
                return;
            }
            switch (request.Method)
            {
                case SipMethods.Options:
                    Send(tx, Options(request));
                    return;
                case SipMethods.Register:
                    Send(tx, await _registrar.HandleAsync(request, tx.Peer, SipTransactionLayer.LocalTag(request), _stopping));
                    return;
            }
            if (RequestHandler is { } handler && handler(tx)) return;
            if (request.Method == SipMethods.Invite) Respond(tx, 480);
            else if (request.Method is SipMethods.Bye or SipMethods.Info or SipMethods.Prack or SipMethods.Update) Respond(tx, 481);
            else if (Array.IndexOf(KnownMethods, request.Method) >= 0) Respond(tx, 405, allow: true);
            else Respond(tx, 501, allow: true);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The stack is stopping: the transaction is abandoned with the rest, nobody waits for an answer.
        }
#pragma warning disable CA1031 // Any failure in a TU handler becomes a 500 instead of a silent timeout for the peer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.RequestHandlingFailed(e);
            Respond(tx, 500);
        }
    }

    /// <summary>§8.2.1–§8.2.3 checks plus Max-Forwards (§16.3 step 3 for anything we would have to forward).</summary>
    private SipResponse? Precheck(SipRequest request)
    {
        // The tag is derived only for a refusal: most requests pass, and it costs two strings (issue 21).
        if (request.RequestUri.Scheme is not ("sip" or "sips" or "tel"))
            return SipResponseFactory.Create(request, 416, toTag: SipTransactionLayer.LocalTag(request));
        if (Array.IndexOf(KnownMethods, request.Method) < 0)
            return WithAllow(SipResponseFactory.Create(request, 501, toTag: SipTransactionLayer.LocalTag(request)));
        // OPTIONS with Max-Forwards 0 is answered by the element it reaches (RFC 4475 §3.3.11, RFC 3261 §11).
        if (request.MaxForwards == 0 && request.Method != SipMethods.Options)
            return SipResponseFactory.Create(request, 483, toTag: SipTransactionLayer.LocalTag(request));
        // Without a Require header there is nothing to refuse; GetTokens would build an empty list to say so.
        if (request.Method is not (SipMethods.Cancel or SipMethods.Ack) && request.Headers.Get(SipHeaderNames.Require) is not null)
        {
            var required = request.Headers.GetTokens(SipHeaderNames.Require);
            // RFC 4028 session timers are the one extension we implement (the voice path honours them).
            required.RemoveAll(t => t.Equals(Dialogs.SessionTimer.OptionTag, StringComparison.OrdinalIgnoreCase));
            if (required.Count > 0)
            {
                var r = SipResponseFactory.Create(request, 420, toTag: SipTransactionLayer.LocalTag(request));
                r.Headers.Add(SipHeaderNames.Unsupported, string.Join(", ", required));
                return r;
            }
        }
        if (request.Method == SipMethods.Invite)
        {
            if (!request.Body.IsEmpty && !IsSdp(request.ContentType))
            {
                var r = SipResponseFactory.Create(request, 415, toTag: SipTransactionLayer.LocalTag(request));
                r.Headers.Add(SipHeaderNames.Accept, "application/sdp");
                return r;
            }
            var accept = request.Headers.GetTokens(SipHeaderNames.Accept);
            if (accept.Count > 0 && !accept.Any(a => IsSdp(a) || a.StartsWith("*/*", StringComparison.Ordinal) || a.StartsWith("application/*", StringComparison.OrdinalIgnoreCase)))
            {
                var r = SipResponseFactory.Create(request, 406, toTag: SipTransactionLayer.LocalTag(request));
                r.Headers.Add(SipHeaderNames.Warning, "399 ccgw \"only application/sdp bodies are produced\"");
                return r;
            }
        }
        return null;
    }

    private static bool IsSdp(string? contentType) =>
        contentType is not null && contentType.AsSpan().Trim().StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase);

    private SipResponse Options(SipRequest request)
    {
        var r = SipResponseFactory.Create(request, 200, toTag: SipTransactionLayer.LocalTag(request));
        WithAllow(r);
        r.Headers.Add(SipHeaderNames.Accept, "application/sdp");
        r.Headers.Add(SipHeaderNames.Supported, Dialogs.SessionTimer.OptionTag);
        return r;
    }

    private SipResponse WithAllow(SipResponse r)
    {
        r.Headers.Add(SipHeaderNames.Allow, AllowHeader);
        return r;
    }

    private void Respond(SipServerTransaction tx, int code, bool allow = false)
    {
        var r = SipResponseFactory.Create(tx.Request, code, toTag: SipTransactionLayer.LocalTag(tx.Request));
        if (allow) WithAllow(r);
        Send(tx, r);
    }

    private void Send(SipServerTransaction tx, SipResponse response)
    {
        response.Headers.Add(SipHeaderNames.Server, _userAgent);
        tx.SendResponse(response);
    }
}
