using System.Globalization;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Registrar;

public sealed record SipRegistrarOptions
{
    /// <summary>Shorter positive expirations get 423 Interval Too Brief (§10.3 step 7).</summary>
    public uint MinExpires { get; init; } = 60;

    public uint MaxExpires { get; init; } = 3600;

    public uint DefaultExpires { get; init; } = 3600;

    public int MaxContactsPerAor { get; init; } = 10;

    /// <summary>
    /// The domain this registrar is responsible for. Bindings are keyed <c>sip:user@Domain</c> whatever host the
    /// phone put in its To (phones often register as <c>alice@127.0.0.1</c>), so calls to an agent find them.
    /// Null keeps the To URI's own host.
    /// </summary>
    public string? Domain { get; init; }
}

/// <summary>
/// REGISTER processing per RFC 3261 §10.3: digest first, the authenticated user must own the AOR, then
/// add/refresh/remove bindings with Call-ID/CSeq ordering, "*" removal and Min-Expires.
/// </summary>
public sealed class SipRegistrar
{
    private readonly SipRegistrarOptions _options;
    private readonly IRegistrationStore _store;
    private readonly SipDigestAuthenticator _auth;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public SipRegistrar(SipRegistrarOptions options, IRegistrationStore store, SipDigestAuthenticator auth, TimeProvider time)
    {
        _options = options;
        _store = store;
        _auth = auth;
        _time = time;
    }

    /// <summary>The binding key of <paramref name="user"/> in this registrar's domain (null when no domain is set).</summary>
    public string? AddressOfRecord(string user) => _options.Domain is { } domain ? string.Concat("sip:", user, "@", domain.ToLowerInvariant()) : null;

    /// <summary>The live contacts of <paramref name="user"/>, best first (highest q, then most recently refreshed).</summary>
    public async ValueTask<IReadOnlyList<SipBinding>> GetContactsAsync(string user, CancellationToken cancellationToken)
    {
        var aor = AddressOfRecord(user) ?? throw new InvalidOperationException("the registrar has no domain");
        var now = _time.GetUtcNow();
        return [.. (await _store.GetBindingsAsync(aor, cancellationToken))
            .Where(b => b.ExpiresAt > now)
            .OrderByDescending(b => double.TryParse(b.Q, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? q : 1.0)
            .ThenByDescending(b => b.ExpiresAt)];
    }

    public async ValueTask<SipResponse> HandleAsync(SipRequest request, SipEndPoint source, string toTag, CancellationToken cancellationToken)
    {
        // §10.3 step 3/5: the AOR must be a SIP(S) URI (RFC 4475 §3.3.4).
        if (request.To is not { Uri.IsSip: true } to) return Fail(request, 400, "To must be a SIP or SIPS URI", toTag);

        var auth = await _auth.AuthenticateAsync(request, source.Address.Address, SipHeaderNames.Authorization, cancellationToken);
        switch (auth.Outcome)
        {
            case DigestOutcome.Challenge or DigestOutcome.Stale:
                var challenge = SipResponseFactory.Create(request, 401, toTag: toTag);
                _auth.AddChallenges(challenge, stale: auth.Outcome == DigestOutcome.Stale);
                return challenge;
            case DigestOutcome.Forbidden or DigestOutcome.RateLimited:
                return SipResponseFactory.Create(request, 403, toTag: toTag);
        }
        // §10.3 step 6: the authenticated identity must be allowed to register this AOR.
        if (!string.Equals(to.Uri.UserUnescaped, auth.UserName, StringComparison.Ordinal)) return SipResponseFactory.Create(request, 403, toTag: toTag);

        var aor = AddressOfRecord(to.Uri.UserUnescaped ?? string.Empty) is { } canonical && to.Uri.IsSip ? canonical : to.Uri.AddressOfRecordKey;
        if (request.ContactWildcard)
        {
            if (request.Expires != 0) return Fail(request, 400, "Contact * requires Expires: 0", toTag);
            ValueTask removed;
            await _writeGate.WaitAsync(cancellationToken);
            try
            {
                var current = await _store.GetBindingsAsync(aor, cancellationToken);
                if (current.Any(b => b.CallId == request.CallId && b.CSeq >= request.CSeq!.Number))
                    return Fail(request, 500, "Out-of-order REGISTER", toTag);
                removed = _store.ReplaceBindingsAsync(aor, [], cancellationToken);
            }
            finally
            {
                _writeGate.Release();
            }
            // Durability is awaited outside the gate, so the REGISTERs of other phones join the same storage group.
            await removed;
            return SipResponseFactory.Create(request, 200, toTag: toTag);
        }

        var now = _time.GetUtcNow();
        var updates = new List<(SipNameAddress Contact, uint Expires)>();
        foreach (var contact in request.Contact)
        {
            var expires = ExpiresOf(contact, request);
            if (expires != 0 && expires < _options.MinExpires)
            {
                var tooBrief = SipResponseFactory.Create(request, 423, toTag: toTag);
                tooBrief.Headers.Add(SipHeaderNames.MinExpires, _options.MinExpires.ToString(CultureInfo.InvariantCulture));
                return tooBrief;
            }
            updates.Add((contact, Math.Min(expires, _options.MaxExpires)));
        }

        IReadOnlyList<SipBinding> result;
        ValueTask durable;
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var bindings = (await _store.GetBindingsAsync(aor, cancellationToken)).Where(b => b.ExpiresAt > now).ToList();
            foreach (var (contact, expires) in updates)
            {
                var uri = contact.Uri.ToString();
                var existing = bindings.FindIndex(b => string.Equals(b.ContactUri, uri, StringComparison.OrdinalIgnoreCase));
                if (existing >= 0)
                {
                    var old = bindings[existing];
                    // §10.3 step 7: same Call-ID with a CSeq not above the stored one is stale or replayed.
                    if (old.CallId == request.CallId && old.CSeq >= request.CSeq!.Number) return Fail(request, 500, "Out-of-order REGISTER", toTag);
                    bindings.RemoveAt(existing);
                }
                if (expires > 0)
                    bindings.Add(new SipBinding(aor, uri, request.CallId!, request.CSeq!.Number, now.AddSeconds(expires), contact.Parameters.Get("q"), source.ToString()));
            }
            if (bindings.Count > _options.MaxContactsPerAor) return Fail(request, 403, "Too many contacts", toTag);
            // The store shows the new list at once (the next REGISTER of this AOR reads it); storage follows in a group.
            durable = _store.ReplaceBindingsAsync(aor, bindings, cancellationToken);
            result = bindings;
        }
        finally
        {
            _writeGate.Release();
        }
        // The 200 OK goes out once the binding is as durable as Sip:Registrar:Persistence asks, awaited outside the gate.
        await durable;

        var ok = SipResponseFactory.Create(request, 200, toTag: toTag);
        foreach (var b in result)
        {
            var na = new SipNameAddress(SipUri.Parse(b.ContactUri));
            na.Parameters.Set("expires", Math.Max(0, (long)(b.ExpiresAt - now).TotalSeconds).ToString(CultureInfo.InvariantCulture));
            ok.Contact.Add(na);
        }
        ok.Headers.Add(SipHeaderNames.Date, now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture));
        return ok;
    }

    private uint ExpiresOf(SipNameAddress contact, SipRequest request)
    {
        if (contact.Parameters.Get("expires") is { } e)
        {
            try
            {
                return SipNumbers.ParseDeltaSeconds(e);
            }
            catch (SipParseException)
            {
                // An unparseable contact expires falls back like an absent one (§10.2.1.1).
            }
        }
        return request.Expires ?? _options.DefaultExpires;
    }

    private static SipResponse Fail(SipRequest request, int code, string reason, string toTag)
    {
        var r = SipResponseFactory.Create(request, code, code == 400 ? reason : null, toTag);
        r.Headers.Add(SipHeaderNames.Warning, string.Concat("399 ccgw \"", reason, "\""));
        return r;
    }
}
