using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Xmpp.Sasl;

/// <summary>
/// Server side of SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), without channel binding (the "-PLUS" variants
/// are not offered, so a client flag of "y" is accepted and "p=" refused, RFC 5802 §6). Steps, RFC 5802 §5:
/// client-first-message → server-first-message (nonce, salt, iterations) → client-final-message (proof) →
/// server-final-message (verifier) as success data. An unknown user gets a plausible challenge and fails at the proof,
/// so the exchange does not tell which accounts exist.
/// </summary>
internal sealed class ScramMechanism(HashAlgorithmName hash, IXmppAccounts accounts, Func<string>? serverNonce = null) : ISaslMechanism
{
    private const int MaxMessage = 4096;
    private static readonly UTF8Encoding Utf8 = new(false, true);

    private enum Stage
    {
        ExpectClientFirst,
        ExpectClientFinal,
        Done,
    }

    private Stage _stage;
    private XmppAccount? _account;

    public string? AttemptedUser { get; private set; }
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _gs2Header = "";
    private string _nonce = "";

    public static string Name(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";

    public async ValueTask<SaslStep> StartAsync(byte[] initialResponse, CancellationToken cancellationToken)
    {
        if (initialResponse.Length == 0) return SaslStep.ChallengeWith([]);
        return await RespondAsync(initialResponse, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken)
    {
        if (response.Length > MaxMessage) return Fail(SaslConditions.MalformedRequest);
        string text;
        try
        {
            text = Utf8.GetString(response);
        }
        catch (DecoderFallbackException)
        {
            return Fail(SaslConditions.IncorrectEncoding);
        }
        return _stage switch
        {
            Stage.ExpectClientFirst => await ClientFirstAsync(text, cancellationToken).ConfigureAwait(false),
            Stage.ExpectClientFinal => ClientFinal(text),
            _ => Fail(SaslConditions.MalformedRequest),
        };
    }

    private SaslStep Fail(string condition)
    {
        _stage = Stage.Done;
        return SaslStep.Failed(condition);
    }

    /// <summary>RFC 5802 §7: gs2-header (n|y,[a=authzid],) client-first-message-bare (n=user,r=nonce[,ext]).</summary>
    private async ValueTask<SaslStep> ClientFirstAsync(string text, CancellationToken cancellationToken)
    {
        if (text.Length < 3 || text[0] is not ('n' or 'y') || text[1] != ',') return Fail(SaslConditions.MalformedRequest);
        var secondComma = text.IndexOf(',', 2);
        if (secondComma < 0) return Fail(SaslConditions.MalformedRequest);
        var authzid = text[2..secondComma];
        if (authzid.Length > 0 && !authzid.StartsWith("a=", StringComparison.Ordinal)) return Fail(SaslConditions.MalformedRequest);
        _gs2Header = text[..(secondComma + 1)];
        _clientFirstBare = text[(secondComma + 1)..];

        var parts = _clientFirstBare.Split(',');
        if (parts.Length < 2 || !parts[0].StartsWith("n=", StringComparison.Ordinal) || !parts[1].StartsWith("r=", StringComparison.Ordinal))
            return Fail(SaslConditions.MalformedRequest);
        if (parts.Skip(2).Any(p => p.StartsWith("m=", StringComparison.Ordinal))) return Fail(SaslConditions.MalformedRequest);
        if (!TryDecodeSaslName(parts[0][2..], out var user) || user.Length == 0) return Fail(SaslConditions.MalformedRequest);
        var clientNonce = parts[1][2..];
        if (clientNonce.Length == 0 || clientNonce.Any(c => c is < '!' or > '~' or ',')) return Fail(SaslConditions.MalformedRequest);

        _account = await accounts.FindAsync(user.ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
        AttemptedUser = _account?.User ?? Core.Security.AuthFailureLimiter.UnknownUser;
        if (_account is not null && authzid.Length > 0 &&
            (!TryDecodeSaslName(authzid[2..], out var z) || !PlainMechanism.IsSelf(z, _account)))
            return Fail(SaslConditions.InvalidAuthzid);

        var credential = _account is null ? null : Credential(_account);
        var salt = credential?.Salt ?? SHA256.HashData(Encoding.UTF8.GetBytes("ccgw-unknown-user:" + user))[..16];
        var iterations = credential?.Iterations ?? 4096;
        _nonce = clientNonce + (serverNonce?.Invoke() ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        _stage = Stage.ExpectClientFinal;
        return SaslStep.ChallengeWith(Encoding.UTF8.GetBytes(_serverFirst));
    }

    /// <summary>RFC 5802 §7: c=base64(gs2-header),r=nonce[,ext],p=proof.</summary>
    private SaslStep ClientFinal(string text)
    {
        _stage = Stage.Done;
        var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) return SaslStep.Failed(SaslConditions.MalformedRequest);
        var withoutProof = text[..proofAt];
        var parts = withoutProof.Split(',');
        if (parts.Length < 2 || parts[0] != "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)) || parts[1] != "r=" + _nonce)
            return SaslStep.Failed(SaslConditions.NotAuthorized);
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(text[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return SaslStep.Failed(SaslConditions.IncorrectEncoding);
        }
        if (_account is null || proof.Length != ScramHash.Size(hash)) return SaslStep.Failed(SaslConditions.NotAuthorized);

        var credential = Credential(_account);
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = ScramHash.Hmac(hash, credential.StoredKey, authMessage);
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (!CryptographicOperations.FixedTimeEquals(ScramHash.Hash(hash, clientKey), credential.StoredKey))
            return SaslStep.Failed(SaslConditions.NotAuthorized);
        var serverSignature = ScramHash.Hmac(hash, credential.ServerKey, authMessage);
        return SaslStep.Succeeded(_account, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
    }

    private ScramCredential Credential(XmppAccount account) => hash == HashAlgorithmName.SHA1 ? account.ScramSha1 : account.ScramSha256;

    /// <summary>RFC 5802 §5.1: saslname with "=2C" for ',' and "=3D" for '='; any other '=' is malformed.</summary>
    private static bool TryDecodeSaslName(string value, out string name)
    {
        name = value;
        if (!value.Contains('=', StringComparison.Ordinal)) return true;
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '=')
            {
                sb.Append(value[i]);
                continue;
            }
            if (i + 2 >= value.Length) return false;
            var code = value.Substring(i + 1, 2);
            if (code == "2C") sb.Append(',');
            else if (code == "3D") sb.Append('=');
            else return false;
            i += 2;
        }
        name = sb.ToString();
        return true;
    }
}
