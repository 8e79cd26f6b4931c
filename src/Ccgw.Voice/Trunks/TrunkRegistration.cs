using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Ccgw.Voice.Edge;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice.Trunks;

/// <summary>
/// Registers the gateway with each trunk provider that asks for it (<c>Trunks[i].Register</c>, RFC 3261 §10.2):
/// REGISTER with digest (§22.2), refreshed at half the granted expiry, retried with doubling back-off (5 s to 5 min)
/// after a failure. The state is exported as <c>ccgw_sip_trunk_registered{trunk}</c> and changes are logged.
/// </summary>
public sealed partial class TrunkRegistration : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(5);

    private readonly VoiceSettings _settings;
    private readonly SipStackHost _sip;
    private readonly TimeProvider _time;
    private readonly ILogger<TrunkRegistration> _log;
    private readonly ConcurrentDictionary<string, bool> _registered = new(StringComparer.Ordinal);

    public TrunkRegistration(VoiceSettings settings, SipStackHost sip, TimeProvider time, IMeterFactory meters, ILogger<TrunkRegistration> log)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _settings = settings;
        _sip = sip;
        _time = time;
        _log = log;
        meters.Create("Ccgw.Sip.Trunks").CreateObservableGauge("ccgw.sip.trunk.registered",
            () => _registered.Select(kv => new Measurement<int>(kv.Value ? 1 : 0, new KeyValuePair<string, object?>("trunk", kv.Key))),
            description: "1 while the gateway's registration with the trunk's provider is in force, 0 after a failure.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trunks = _settings.Trunks.Where(t => t.Register is not null).ToList();
        if (trunks.Count == 0) return;
        await Task.WhenAll(trunks.Select(t => KeepRegisteredAsync(t, stoppingToken)));
    }

    private async Task KeepRegisteredAsync(VoiceTrunk trunk, CancellationToken stoppingToken)
    {
        var session = new Session(trunk, _settings.Domain);
        var backoff = FirstRetry;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait;
                var granted = await RegisterOnceAsync(session, stoppingToken);
                if (granted is { } seconds)
                {
                    Record(trunk.Id, true, null);
                    backoff = FirstRetry;
                    // Half the granted time leaves room for a retransmitted or challenged refresh before expiry.
                    wait = TimeSpan.FromSeconds(Math.Max(seconds / 2, 1));
                }
                else
                {
                    wait = backoff;
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LastRetry.Ticks));
                }
                await Task.Delay(wait, _time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One registration round: REGISTER, answer at most two challenges (a fresh and a stale one), return the granted seconds or null.</summary>
    private async Task<int?> RegisterOnceAsync(Session session, CancellationToken stoppingToken)
    {
        if (!session.TryResolve(out var destination))
        {
            Record(session.Trunk.Id, false, $"registrar '{session.Trunk.Register!.Registrar}' is not an IP address[:port]");
            return null;
        }
        string? authorization = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var request = session.NewRequest(_sip.Stack, destination, authorization);
            var response = await SendAsync(request, destination, stoppingToken);
            if (response is null)
            {
                Record(session.Trunk.Id, false, "no answer (Timer F)");
                return null;
            }
            if (response.StatusCode is >= 200 and < 300) return session.Granted(response);
            if (response.StatusCode is 401 or 407)
            {
                var name = response.StatusCode == 401 ? SipHeaderNames.WwwAuthenticate : "Proxy-Authenticate";
                var challenge = response.Headers.GetAll(name).Select(TryParse).FirstOrDefault(c => c is not null);
                authorization = challenge is null ? null : session.Answer(challenge, request.RequestUri.ToString());
                if (authorization is not null)
                {
                    session.AuthorizationHeader = response.StatusCode == 401 ? SipHeaderNames.Authorization : SipHeaderNames.ProxyAuthorization;
                    continue;
                }
            }
            Record(session.Trunk.Id, false, response.ToString());
            return null;
        }
        Record(session.Trunk.Id, false, "credentials refused");
        return null;
    }

    private static DigestHeader? TryParse(string value)
    {
        try
        {
            return DigestHeader.Parse(value);
        }
        catch (SipParseException)
        {
            return null;
        }
    }

    private async Task<SipResponse?> SendAsync(SipRequest request, SipEndPoint destination, CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource<SipResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sip.Stack.Transactions.SendRequest(request, destination, new SipClientCallbacks(
            r => { if (r.StatusCode >= 200) done.TrySetResult(r); },
            () => done.TrySetResult(null)));
        return await done.Task.WaitAsync(stoppingToken);
    }

    private void Record(string trunk, bool registered, string? why)
    {
        var previous = _registered.TryGetValue(trunk, out var was) ? was : (bool?)null;
        _registered[trunk] = registered;
        if (previous == registered) return;
        if (registered) LogRegistered(_log, trunk);
        else LogNotRegistered(_log, trunk, why ?? "");
    }

    /// <summary>One trunk's registration dialog state: Call-ID and CSeq persist across refreshes (§10.2.4).</summary>
    private sealed class Session(VoiceTrunk trunk, string domain)
    {
        private readonly string _callId = $"reg-{trunk.Id}-{Guid.NewGuid():N}@{domain}";
        private readonly string _fromTag = Guid.NewGuid().ToString("N")[..10];
        private uint _cseq;
        private uint _nonceCount;

        public VoiceTrunk Trunk { get; } = trunk;

        public string AuthorizationHeader { get; set; } = SipHeaderNames.Authorization;

        private TrunkRegistrationSettings Register => Trunk.Register!;

        public bool TryResolve(out SipEndPoint destination)
        {
            destination = default;
            var text = Register.Registrar;
            var port = 5060;
            var colon = text.LastIndexOf(':');
            if (colon > 0 && !text.EndsWith(']') && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                port = p;
                text = text[..colon];
            }
            if (!IPAddress.TryParse(text.Trim('[', ']'), out var address)) return false;
            var kind = Trunk.Outbound?.Transport == SipTransportKind.Tcp ? SipTransportKind.Tcp : SipTransportKind.Udp;
            destination = new SipEndPoint(kind, new IPEndPoint(address, port));
            return true;
        }

        public SipRequest NewRequest(Ccgw.Sip.SipStack stack, SipEndPoint destination, string? authorization)
        {
            var local = (destination.Transport == SipTransportKind.Udp ? stack.UdpEndPoint : stack.TcpEndPoint) ?? stack.UdpEndPoint ?? stack.TcpEndPoint!;
            var registrar = destination.Address;
            var host = registrar.Address.ToString();
            var request = new SipRequest(SipMethods.Register, new SipUri("sip", null, host, registrar.Port));
            request.Via.Add(new SipVia(destination.ViaTransport, local.Address.ToString(), local.Port, SipTransactionLayer.NewBranch()));
            var aor = new SipUri("sip", Register.Credentials.Username, host, null);
            request.From = new SipNameAddress(aor);
            request.From.Tag = _fromTag;
            request.To = new SipNameAddress(aor);
            request.CallId = _callId;
            request.CSeq = new SipCSeq(++_cseq, SipMethods.Register);
            request.MaxForwards = 70;
            var contact = new SipUri("sip", Register.Credentials.Username, local.Address.ToString(), local.Port);
            if (destination.Transport == SipTransportKind.Tcp) contact.Parameters.Set("transport", "tcp");
            request.Contact.Add(new SipNameAddress(contact));
            request.Expires = (uint)Register.ExpiresSeconds;
            if (authorization is not null) request.Headers.Add(AuthorizationHeader, authorization);
            return request;
        }

        public string? Answer(DigestHeader challenge, string uri) =>
            SipDigestClient.Answer(challenge, SipMethods.Register, uri, Register.Credentials.Username, Register.Credentials.Password,
                Guid.NewGuid().ToString("N")[..16], ++_nonceCount);

        /// <summary>The expiry the registrar granted our contact (its expires parameter, else Expires, else what we asked).</summary>
        public int Granted(SipResponse ok)
        {
            foreach (var c in ok.Contact)
                if (c.Uri.User == Register.Credentials.Username && c.Parameters.Get("expires") is { } e && int.TryParse(e, CultureInfo.InvariantCulture, out var s)) return s;
            return ok.Expires is { } expires ? (int)expires : Register.ExpiresSeconds;
        }
    }

    [LoggerMessage(EventId = 45, Level = LogLevel.Information, Message = "trunk {Trunk}: registered with the provider")]
    private static partial void LogRegistered(ILogger logger, string trunk);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "trunk {Trunk}: not registered with the provider ({Reason}); retrying with back-off")]
    private static partial void LogNotRegistered(ILogger logger, string trunk, string reason);
}
