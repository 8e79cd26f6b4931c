using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Xml;

namespace Ccgw.Xmpp.Streams;

/// <summary>Limits failed logins per source address (the daemon backs it with the admin API's limiter).</summary>
public interface IAuthFailureGate
{
    bool IsAllowed(IPAddress? address);

    void RecordFailure(IPAddress? address);

    /// <summary>Whether <paramref name="user"/> (an account, or one name for every unknown one) may try from the address.</summary>
    bool IsAllowed(IPAddress? address, string user) => IsAllowed(address);

    void RecordFailure(IPAddress? address, string user) => RecordFailure(address);

    /// <summary>Counts an anonymous (guest) login from the address; false when the address has had too many lately.</summary>
    bool TryGuestLogin(IPAddress? address) => true;
}

/// <summary>Where a client-to-server stream is in its negotiation (RFC 6120 §4.3, §5, §6, §7).</summary>
public enum C2sState
{
    /// <summary>Waiting for the initial stream header, or for the header of a restarted stream (§4.3.3).</summary>
    AwaitingHeader,

    /// <summary>Features offered STARTTLS as required (§5.3.1); only &lt;starttls/&gt; is acceptable.</summary>
    AwaitingStartTls,

    /// <summary>&lt;proceed/&gt; sent (§5.4.2.3): the transport is being wrapped in TLS.</summary>
    TlsHandshake,

    /// <summary>SASL mechanisms offered (§6.4.1), possibly mid-exchange.</summary>
    Authenticating,

    /// <summary>Authenticated and restarted; resource binding offered (§7.4), or XEP-0198 resumption.</summary>
    AwaitingBind,

    /// <summary>A resource is bound: stanzas flow (§7.1 "session").</summary>
    Established,

    Closed,
}

/// <summary>What the connection must do after a step of the negotiator, besides sending its output.</summary>
internal enum C2sEffect
{
    None,

    /// <summary>Wrap the transport in TLS as server, then call <see cref="C2sNegotiator.TlsEstablished"/>.</summary>
    StartTls,

    /// <summary>Forget the parser's stream (§4.3.3): the client now sends a new header.</summary>
    RestartParser,

    /// <summary>Ask the router for a resource (<see cref="C2sNegotiator.PendingBind"/>) and call <see cref="C2sNegotiator.Bound"/>.</summary>
    Bind,

    /// <summary>XEP-0198 §5 resumption of <see cref="C2sNegotiator.PendingResume"/>.</summary>
    Resume,

    /// <summary>A stanza or nonza of the established session, for the session to handle.</summary>
    Deliver,

    /// <summary>Output written, stream closed: close the transport.</summary>
    Close,
}

/// <summary>
/// The negotiation of a client-to-server stream as an explicit state machine (<see cref="C2sState"/>): stream headers and
/// their checks (RFC 6120 §4.7), features (§4.3.2), STARTTLS required before authentication (§5.3.1, §5.4), SASL with
/// SCRAM-SHA-256/SCRAM-SHA-1 always and PLAIN and ANONYMOUS only over TLS (§6.4, §13.8), failed-login limits per source,
/// stream restarts (§5.4.3.3, §6.4.6), resource binding (§7), stream errors (§4.9) and the timeouts of a stream that is
/// too slow to negotiate, to finish a stanza or to say anything. It writes XML into <see cref="TakeOutput"/> and says
/// what the connection must do next; it never touches the transport itself.
/// </summary>
internal sealed class C2sNegotiator
{
    public static readonly XNamespace TlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
    public static readonly XNamespace SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
    public static readonly XNamespace BindNs = "urn:ietf:params:xml:ns:xmpp-bind";
    public static readonly XNamespace SessionNs = "urn:ietf:params:xml:ns:xmpp-session";
    public static readonly XNamespace SmNs = "urn:xmpp:sm:3";

    private readonly C2sSettings _settings;
    private readonly IXmppAccounts _accounts;
    private readonly IAuthFailureGate _failures;
    private readonly IPAddress? _remote;
    private readonly TimeProvider _time;
    private readonly StringBuilder _output = new();
    private readonly long _startedAt;
    private long _lastInput;
    private long? _partialSince;
    private bool _headerSent;
    private ISaslMechanism? _mechanism;
    private int _authFailures;

    /// <param name="secure">The transport is already encrypted (XMPP over a wss:// WebSocket, RFC 7395 §3.1 leaves TLS to
    /// the WebSocket): no STARTTLS, and PLAIN and ANONYMOUS are offered as after it.</param>
    public C2sNegotiator(C2sSettings settings, IXmppAccounts accounts, IAuthFailureGate failures, IPAddress? remote, TimeProvider time, bool secure = false)
    {
        _settings = settings;
        IsSecure = secure;
        _accounts = accounts;
        _failures = failures;
        _remote = remote;
        _time = time;
        _startedAt = _lastInput = time.GetTimestamp();
    }

    public C2sState State { get; private set; } = C2sState.AwaitingHeader;

    public bool IsSecure { get; private set; }

    public XmppAccount? Account { get; private set; }

    /// <summary>The bound full JID once <see cref="State"/> is <see cref="C2sState.Established"/>.</summary>
    public Jid? FullJid { get; private set; }

    /// <summary>The stream id sent in the latest response header.</summary>
    public string StreamId { get; private set; } = "";

    /// <summary>Set with <see cref="C2sEffect.Bind"/>: the requested resource (null = server's choice) and the iq id.</summary>
    public (string? Resource, string? IqId) PendingBind { get; private set; }

    /// <summary>Set with <see cref="C2sEffect.Resume"/>: the XEP-0198 &lt;resume/&gt; element.</summary>
    public XElement? PendingResume { get; private set; }

    /// <summary>Set with <see cref="C2sEffect.Deliver"/>.</summary>
    public XElement? Delivered { get; private set; }

    /// <summary>The stream error condition the stream was closed with, if any.</summary>
    public string? ClosedWith { get; private set; }

    /// <summary>Text to send now (UTF-8); empties the buffer.</summary>
    public string TakeOutput()
    {
        var text = _output.ToString();
        _output.Clear();
        return text;
    }

    /// <summary>Bytes arrived; <paramref name="partial"/>: some of them are an element still incomplete.</summary>
    public void NoteInput(bool partial)
    {
        var now = _time.GetTimestamp();
        _lastInput = now;
        if (!partial) _partialSince = null;
        else _partialSince ??= now;
    }

    /// <summary>The time until the next deadline (for the connection's timer).</summary>
    public TimeSpan NextDeadline()
    {
        var candidates = new List<TimeSpan> { _settings.IdleTimeout - _time.GetElapsedTime(_lastInput) };
        if (State != C2sState.Established) candidates.Add(_settings.NegotiationTimeout - _time.GetElapsedTime(_startedAt));
        if (_partialSince is { } p) candidates.Add(_settings.StanzaTimeout - _time.GetElapsedTime(p));
        var next = candidates.Min();
        return next < TimeSpan.Zero ? TimeSpan.Zero : next;
    }

    /// <summary>Closes the stream with <c>connection-timeout</c> (RFC 6120 §4.9.3.4) or <c>policy-violation</c> when a deadline passed.</summary>
    public C2sEffect CheckTimeouts()
    {
        if (State == C2sState.Closed) return C2sEffect.Close;
        if (_partialSince is { } p && _time.GetElapsedTime(p) >= _settings.StanzaTimeout)
            return StreamError(StreamErrorConditions.PolicyViolation, "stanza not completed in time");
        if (State != C2sState.Established && _time.GetElapsedTime(_startedAt) >= _settings.NegotiationTimeout)
            return StreamError(StreamErrorConditions.ConnectionTimeout, "stream negotiation took too long");
        if (_time.GetElapsedTime(_lastInput) >= _settings.IdleTimeout)
            return StreamError(StreamErrorConditions.ConnectionTimeout, "idle");
        return C2sEffect.None;
    }

    /// <summary>Sends a stream error (§4.9), preceded by a response header if none was sent yet (§4.9.1.1), and closes.</summary>
    public C2sEffect StreamError(string condition, string? text = null)
    {
        if (State == C2sState.Closed) return C2sEffect.Close;
        if (!_headerSent) WriteHeader(null);
        _output.Append("<stream:error><").Append(condition).Append(" xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>");
        if (text is not null)
        {
            _output.Append("<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>");
            _output.Append(System.Security.SecurityElement.Escape(text));
            _output.Append("</text>");
        }
        _output.Append("</stream:error></stream:stream>");
        ClosedWith = condition;
        State = C2sState.Closed;
        return C2sEffect.Close;
    }

    /// <summary>The server ends the stream without error (§4.4), e.g. at shutdown when no error applies.</summary>
    public C2sEffect CloseStream()
    {
        if (State == C2sState.Closed) return C2sEffect.Close;
        if (!_headerSent) WriteHeader(null);
        _output.Append("</stream:stream>");
        State = C2sState.Closed;
        return C2sEffect.Close;
    }

    /// <summary>An error from the parser: its condition as a stream error.</summary>
    public C2sEffect ParseError(XmlStreamException e) => StreamError(e.Condition, e.Message);

    /// <summary>The client's stream header (§4.7): checks it, answers with ours and the features of this stage.</summary>
    public C2sEffect OnHeader(XElement header)
    {
        if (State != C2sState.AwaitingHeader) return StreamError(StreamErrorConditions.NotWellFormed, "unexpected stream header");
        if (header.Name != XmppNamespaces.Streams + "stream")
            return StreamError(StreamErrorConditions.InvalidNamespace, "expected <stream:stream> in http://etherx.jabber.org/streams (RFC 6120 §4.8.1)");
        if ((string?)header.Attribute("xmlns") != XmppNamespaces.Client.NamespaceName)
            return StreamError(StreamErrorConditions.InvalidNamespace, "the content namespace must be jabber:client (RFC 6120 §4.8.2)");
        var to = (string?)header.Attribute("to");
        if (to is null || !string.Equals(to, _settings.Domain, StringComparison.OrdinalIgnoreCase))
            return StreamError(StreamErrorConditions.HostUnknown, $"this server is {_settings.Domain}");
        var version = (string?)header.Attribute("version");
        if (version is null || !version.StartsWith("1.", StringComparison.Ordinal))
            return StreamError(StreamErrorConditions.UnsupportedVersion, "XMPP 1.0 streams only (RFC 6120 §4.7.5)");

        WriteHeader(_settings.Domain);
        _output.Append("<stream:features>");
        if (Account is not null)
        {
            // §7.4: binding; the legacy session feature (RFC 3921) marked optional for old clients; XEP-0198.
            _output.Append("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind>");
            _output.Append("<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>");
            _output.Append("<sm xmlns='urn:xmpp:sm:3'/>");
            State = C2sState.AwaitingBind;
        }
        else if (!IsSecure && _settings.TlsAvailable && _settings.RequireTls)
        {
            _output.Append("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>");
            State = C2sState.AwaitingStartTls;
        }
        else
        {
            if (!IsSecure && _settings.TlsAvailable) _output.Append("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
            _output.Append("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
            foreach (var mechanism in Mechanisms()) _output.Append("<mechanism>").Append(mechanism).Append("</mechanism>");
            _output.Append("</mechanisms>");
            State = C2sState.Authenticating;
        }
        _output.Append("</stream:features>");
        return C2sEffect.None;
    }

    private IEnumerable<string> Mechanisms()
    {
        yield return "SCRAM-SHA-256";
        yield return "SCRAM-SHA-1";
        if (!IsSecure) yield break; // §13.8.3: PLAIN only under TLS; guests likewise
        yield return "PLAIN";
        if (_settings.AllowAnonymous) yield return "ANONYMOUS";
    }

    private void WriteHeader(string? from)
    {
        StreamId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        _output.Append("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='")
            .Append(StreamId).Append("' from='").Append(System.Security.SecurityElement.Escape(from ?? _settings.Domain))
            .Append("' version='1.0' xml:lang='en'>");
        _headerSent = true;
    }

    /// <summary>A complete top-level element from the client.</summary>
    public async ValueTask<C2sEffect> OnElementAsync(XElement element, CancellationToken cancellationToken)
    {
        Delivered = null;
        switch (State)
        {
            case C2sState.AwaitingStartTls:
                if (element.Name == TlsNs + "starttls") return ProceedWithTls();
                if (element.Name.Namespace == SaslNs)
                {
                    // §6.4.? encryption-required: SASL before the mandatory STARTTLS.
                    _output.Append("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><encryption-required/></failure>");
                    return C2sEffect.None;
                }
                return StreamError(StreamErrorConditions.PolicyViolation, "STARTTLS is required before anything else (RFC 6120 §5.3.1)");
            case C2sState.Authenticating:
                if (element.Name == TlsNs + "starttls" && !IsSecure && _settings.TlsAvailable) return ProceedWithTls();
                if (element.Name.Namespace == SaslNs) return await SaslAsync(element, cancellationToken).ConfigureAwait(false);
                return StreamError(StreamErrorConditions.NotAuthorized, "authenticate first (RFC 6120 §6)");
            case C2sState.AwaitingBind:
                if (element.Name == SmNs + "resume")
                {
                    PendingResume = element;
                    return C2sEffect.Resume;
                }
                if (element.Name == SmNs + "enable")
                {
                    _output.Append("<failed xmlns='urn:xmpp:sm:3'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
                    return C2sEffect.None;
                }
                if (element.Name == XmppNamespaces.Client + "iq" && (string?)element.Attribute("type") == "set" &&
                    element.Element(BindNs + "bind") is { } bind)
                {
                    var resource = ((string?)bind.Element(BindNs + "resource"))?.Trim();
                    PendingBind = (string.IsNullOrEmpty(resource) ? null : resource, (string?)element.Attribute("id"));
                    return C2sEffect.Bind;
                }
                return StreamError(StreamErrorConditions.NotAuthorized, "bind a resource first (RFC 6120 §7)");
            case C2sState.Established:
                Delivered = element;
                return C2sEffect.Deliver;
            case C2sState.Closed:
                return C2sEffect.Close;
            default:
                return StreamError(StreamErrorConditions.NotWellFormed, "element before the stream header");
        }
    }

    private C2sEffect ProceedWithTls()
    {
        _output.Append("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        State = C2sState.TlsHandshake;
        return C2sEffect.StartTls;
    }

    /// <summary>TLS is up (§5.4.3.3): the client restarts the stream.</summary>
    public C2sEffect TlsEstablished()
    {
        IsSecure = true;
        State = C2sState.AwaitingHeader;
        _headerSent = false;
        return C2sEffect.RestartParser;
    }

    /// <summary>RFC 6120 §6.4: auth / response / abort.</summary>
    private async ValueTask<C2sEffect> SaslAsync(XElement element, CancellationToken cancellationToken)
    {
        var name = element.Name.LocalName;
        if (name == "abort")
        {
            _mechanism = null;
            return SaslFailure(SaslConditions.Aborted, countAsFailure: false);
        }
        if (!TryDecode(element.Value, out var data)) return SaslFailure(SaslConditions.IncorrectEncoding, countAsFailure: false);

        SaslStep step;
        if (name == "auth")
        {
            var mechanismName = (string?)element.Attribute("mechanism") ?? "";
            if (!Mechanisms().Contains(mechanismName, StringComparer.Ordinal))
            {
                var known = mechanismName is "PLAIN" or "ANONYMOUS";
                return SaslFailure(known ? SaslConditions.EncryptionRequired : SaslConditions.InvalidMechanism, countAsFailure: false);
            }
            _mechanism = mechanismName switch
            {
                "SCRAM-SHA-256" => new ScramMechanism(HashAlgorithmName.SHA256, _accounts),
                "SCRAM-SHA-1" => new ScramMechanism(HashAlgorithmName.SHA1, _accounts),
                "PLAIN" => new PlainMechanism(_accounts),
                _ => new AnonymousMechanism(),
            };
            // Guests have no password to guess, but each login makes an account and its state: Prosody limits
            // anonymous logins per address for the same reason.
            if (_mechanism is AnonymousMechanism && !_failures.TryGuestLogin(_remote))
            {
                _mechanism = null;
                return SaslFailure(SaslConditions.TemporaryAuthFailure, countAsFailure: false, "too many guest logins from this address; wait a minute");
            }
            step = await _mechanism.StartAsync(data, cancellationToken).ConfigureAwait(false);
        }
        else if (name == "response" && _mechanism is not null)
        {
            step = await _mechanism.RespondAsync(data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            return SaslFailure(SaslConditions.MalformedRequest, countAsFailure: false);
        }

        // Once the login name is known (PLAIN's response, SCRAM's client-first message), and before the outcome is
        // told: an account guessed too often from this address gets the same temporary failure whether or not this
        // try was right, so the limit neither leaks the password nor locks out colleagues at the same address.
        if (_mechanism?.AttemptedUser is { } tried && !_failures.IsAllowed(_remote, tried))
        {
            _mechanism = null;
            return SaslFailure(SaslConditions.TemporaryAuthFailure, countAsFailure: false, "too many failed logins for this account from this address; wait a minute");
        }
        var attempted = _mechanism?.AttemptedUser;
        switch (step.Outcome)
        {
            case SaslOutcome.Challenge:
                _output.Append("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>").Append(Encode(step.Data!)).Append("</challenge>");
                return C2sEffect.None;
            case SaslOutcome.Success:
                _mechanism = null;
                Account = step.Account;
                _output.Append("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>")
                    .Append(step.Data is { Length: > 0 } d ? Convert.ToBase64String(d) : "").Append("</success>");
                State = C2sState.AwaitingHeader; // §6.4.6: the client restarts the stream
                _headerSent = false;
                return C2sEffect.RestartParser;
            default:
                _mechanism = null;
                return SaslFailure(step.Condition ?? SaslConditions.NotAuthorized, countAsFailure: true, attemptedUser: attempted);
        }
    }

    private C2sEffect SaslFailure(string condition, bool countAsFailure, string? text = null, string? attemptedUser = null)
    {
        _output.Append("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><").Append(condition).Append("/>");
        if (text is not null) _output.Append("<text>").Append(System.Security.SecurityElement.Escape(text)).Append("</text>");
        _output.Append("</failure>");
        if (!countAsFailure) return C2sEffect.None;
        if (attemptedUser is null) _failures.RecordFailure(_remote);
        else _failures.RecordFailure(_remote, attemptedUser);
        // §6.4.5: the server may close the stream after a configurable number of retries.
        return ++_authFailures >= _settings.MaxAuthFailuresPerStream
            ? StreamError(StreamErrorConditions.PolicyViolation, "too many failed authentication attempts")
            : C2sEffect.None;
    }

    /// <summary>The router bound <paramref name="full"/> (§7.6.1): the iq result ends the negotiation.</summary>
    public void Bound(Jid full)
    {
        FullJid = full;
        _output.Append("<iq type='result'");
        if (PendingBind.IqId is { } id) _output.Append(" id='").Append(System.Security.SecurityElement.Escape(id)).Append('\'');
        _output.Append("><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>")
            .Append(System.Security.SecurityElement.Escape(full.ToString())).Append("</jid></bind></iq>");
        State = C2sState.Established;
    }

    /// <summary>A bind the router refused (§7.6.2): an iq error, the client may try again.</summary>
    public void BindRefused(string condition, string type = "cancel")
    {
        _output.Append("<iq type='error'");
        if (PendingBind.IqId is { } id) _output.Append(" id='").Append(System.Security.SecurityElement.Escape(id)).Append('\'');
        _output.Append("><error type='").Append(type).Append("'><").Append(condition)
            .Append(" xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    }

    /// <summary>XEP-0198 resumption succeeded: the session continues on this stream as <paramref name="full"/>.</summary>
    public void Resumed(Jid full)
    {
        FullJid = full;
        State = C2sState.Established;
    }

    /// <summary>Appends text the session produced (for example the &lt;resumed/&gt; or &lt;failed/&gt; nonza).</summary>
    public void Write(string xml) => _output.Append(xml);

    private static bool TryDecode(string text, out byte[] data)
    {
        data = [];
        text = text.Trim();
        if (text.Length == 0 || text == "=") return true; // §6.4.2: '=' is an empty response
        try
        {
            data = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Encode(byte[] data) => data.Length == 0 ? "=" : Convert.ToBase64String(data);
}
