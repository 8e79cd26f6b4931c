using Ccgw.Sip.Message;

namespace Ccgw.Sip.Dialogs;

public enum SipDialogState
{
    /// <summary>Created by a 1xx with a To tag (§12.1).</summary>
    Early,

    Confirmed,

    Terminated,
}

/// <summary>
/// Dialog state of RFC 3261 §12: identity (Call-ID, local and remote tag), sequence numbers, route set and
/// remote target, and construction of in-dialog requests (§12.2.1.1 incl. strict-router handling).
/// Not thread-safe: its owner (a call leg) serializes access.
/// </summary>
public sealed class SipDialog
{
    private readonly List<SipNameAddress> _routeSet;

    private SipDialog(string callId, string localTag, string remoteTag, SipNameAddress local, SipNameAddress remote, SipUri remoteTarget, List<SipNameAddress> routeSet, bool secure)
    {
        CallId = callId;
        LocalTag = localTag;
        RemoteTag = remoteTag;
        Local = local;
        Remote = remote;
        RemoteTarget = remoteTarget;
        _routeSet = routeSet;
        Secure = secure;
    }

    public string CallId { get; }

    public string LocalTag { get; }

    public string RemoteTag { get; }

    /// <summary>Local URI with our tag (From of our requests).</summary>
    public SipNameAddress Local { get; }

    /// <summary>Remote URI with the peer's tag (To of our requests).</summary>
    public SipNameAddress Remote { get; }

    /// <summary>Where in-dialog requests go: the peer's Contact, refreshed by target-refresh requests.</summary>
    public SipUri RemoteTarget { get; private set; }

    public IReadOnlyList<SipNameAddress> RouteSet => _routeSet;

    public uint LocalSequence { get; private set; }

    public uint? RemoteSequence { get; private set; }

    public bool Secure { get; }

    public SipDialogState State { get; private set; }

    public string Id => string.Join(';', CallId, LocalTag, RemoteTag);

    /// <summary>
    /// The <see cref="Id"/> of the dialog an incoming request belongs to (§12.2.2: Call-ID, our tag in To, the peer's
    /// tag in From), so a host can look up the dialog for a BYE or re-INVITE; null for out-of-dialog requests (no To tag).
    /// </summary>
    public static string? IdOf(SipRequest request) =>
        request.To?.Tag is { Length: > 0 } local && request.CallId is { } callId
            ? string.Join(';', callId, local, request.From?.Tag ?? string.Empty)
            : null;

    /// <summary>UAS side, §12.1.1: built from the request and our 1xx/2xx (which carries our To tag).</summary>
    public static SipDialog CreateAsUas(SipRequest request, SipResponse response)
    {
        var localTag = response.To?.Tag ?? throw new ArgumentException("response needs a To tag", nameof(response));
        var target = request.Contact.FirstOrDefault()?.Uri ?? throw new ArgumentException("request needs a Contact", nameof(request));
        var dialog = new SipDialog(request.CallId!, localTag, request.From!.Tag ?? string.Empty, response.To!.Clone(), request.From.Clone(), target,
            request.RecordRoute.Select(r => r.Clone()).ToList(), request.RequestUri.IsSecure && request.RequestUri.IsSip)
        {
            RemoteSequence = request.CSeq!.Number,
            State = response.StatusCode < 200 ? SipDialogState.Early : SipDialogState.Confirmed,
        };
        return dialog;
    }

    /// <summary>UAC side, §12.1.2: route set is the response's Record-Route reversed.</summary>
    public static SipDialog CreateAsUac(SipRequest request, SipResponse response)
    {
        var remoteTag = response.To?.Tag ?? throw new ArgumentException("response needs a To tag", nameof(response));
        var target = response.Contact.FirstOrDefault()?.Uri ?? throw new ArgumentException("response needs a Contact", nameof(response));
        var routes = response.RecordRoute.Select(r => r.Clone()).ToList();
        routes.Reverse();
        return new SipDialog(request.CallId!, request.From!.Tag ?? string.Empty, remoteTag, request.From.Clone(), response.To!.Clone(), target, routes,
            request.RequestUri.IsSecure && request.RequestUri.IsSip)
        {
            LocalSequence = request.CSeq!.Number,
            State = response.StatusCode < 200 ? SipDialogState.Early : SipDialogState.Confirmed,
        };
    }

    /// <summary>Early → Confirmed on a 2xx (§12.1); the UAC also refreshes the target from its Contact.</summary>
    public void Confirm(SipResponse response)
    {
        if (State == SipDialogState.Terminated || response.StatusCode is < 200 or >= 300) return;
        if (response.Contact.FirstOrDefault()?.Uri is { } target && response.To?.Tag == RemoteTag) RemoteTarget = target;
        State = SipDialogState.Confirmed;
    }

    public void Terminate() => State = SipDialogState.Terminated;

    /// <summary>
    /// §12.2.2: a request with a CSeq below the last one seen is out of order (answer 500); a target-refresh
    /// request (re-INVITE, UPDATE) replaces the remote target with its Contact.
    /// </summary>
    public bool TryAcceptRemoteRequest(SipRequest request)
    {
        var cseq = request.CSeq!.Number;
        if (request.Method is not (SipMethods.Ack or SipMethods.Cancel))
        {
            if (RemoteSequence is { } last && cseq <= last) return false;
            RemoteSequence = cseq;
        }
        if (request.Method is SipMethods.Invite or SipMethods.Update && request.Contact.FirstOrDefault()?.Uri is { } target) RemoteTarget = target;
        return true;
    }

    /// <summary>Builds an in-dialog request (§12.2.1.1). ACK and CANCEL reuse the INVITE's number; others take the next.</summary>
    public SipRequest CreateRequest(string method, SipVia via, uint? sequence = null)
    {
        var number = sequence ?? (method is SipMethods.Ack or SipMethods.Cancel ? LocalSequence : ++LocalSequence);
        SipUri requestUri;
        var routes = _routeSet.Select(r => r.Clone()).ToList();
        if (routes.Count > 0 && !routes[0].Uri.Parameters.Contains("lr"))
        {
            // Strict router: it becomes the Request-URI and the remote target goes last in the Route set.
            requestUri = routes[0].Uri.WithoutParameters();
            routes.RemoveAt(0);
            routes.Add(new SipNameAddress(RemoteTarget));
        }
        else
        {
            requestUri = RemoteTarget;
        }
        var request = new SipRequest(method, requestUri);
        request.Via.Add(via);
        request.Route.AddRange(routes);
        request.From = Local.Clone();
        request.To = Remote.Clone();
        request.CallId = CallId;
        request.CSeq = new SipCSeq(number, method);
        request.MaxForwards = 70;
        return request;
    }
}
