using System.Globalization;
using System.Security.Cryptography;
using Ccgw.Media.Srtp;

namespace Ccgw.Media.Sdp;

/// <summary>What <see cref="SdpCrypto.TryParse"/> made of an <c>a=crypto</c> value.</summary>
public enum SdpCryptoStatus
{
    /// <summary>AES_CM_128_HMAC_SHA1_80 with one inline key of 30 bytes: usable.</summary>
    Ok,

    /// <summary>Well formed, but a suite, lifetime, MKI or session parameter ccgw does not implement: skipped, not an error.</summary>
    Unsupported,

    /// <summary>Not RFC 4568 §9.1 syntax (or the key is not 30 bytes of base64): refused.</summary>
    Malformed,
}

/// <summary>
/// One SDES <c>a=crypto</c> attribute (RFC 4568 §5/§9.1) for the only suite ccgw speaks, AES_CM_128_HMAC_SHA1_80
/// (§6.2.1): <c>&lt;tag&gt; AES_CM_128_HMAC_SHA1_80 inline:&lt;base64 of the 16-byte key and 14-byte salt&gt;</c>.
/// Lifetimes, MKIs, several keys and session parameters are reported as <see cref="SdpCryptoStatus.Unsupported"/>
/// rather than half-honoured (a key with a lifetime we ignore would be used past its end).
/// </summary>
public sealed class SdpCrypto
{
    public const string Suite = "AES_CM_128_HMAC_SHA1_80";
    public const string AttributeName = "crypto";
    public const int KeySaltLength = SrtpContext.MasterKeyLength + SrtpContext.MasterSaltLength;

    // Bounds: a 9-digit tag (§9.1), the suite, "inline:" and 40 base64 characters fit well within 256.
    private const int MaxValueLength = 256;
    private const int Base64Length = 40;

    private readonly byte[] _keySalt;

    private SdpCrypto(int tag, byte[] keySalt)
    {
        Tag = tag;
        _keySalt = keySalt;
    }

    /// <summary>The tag (1-999999999) the answer must echo (RFC 4568 §5.1).</summary>
    public int Tag { get; }

    public ReadOnlySpan<byte> MasterKey => _keySalt.AsSpan(0, SrtpContext.MasterKeyLength);

    public ReadOnlySpan<byte> MasterSalt => _keySalt.AsSpan(SrtpContext.MasterKeyLength);

    /// <summary>A fresh key and salt from the operating system's CSPRNG (RFC 4568 §6.1 wants them random per session).</summary>
    public static SdpCrypto Generate(int tag = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tag, 1);
        return new SdpCrypto(tag, RandomNumberGenerator.GetBytes(KeySaltLength));
    }

    /// <summary>A crypto attribute with a given key and salt (tests, and a peer's key read elsewhere).</summary>
    public static SdpCrypto FromKeySalt(int tag, ReadOnlySpan<byte> keySalt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tag, 1);
        if (keySalt.Length != KeySaltLength) throw new ArgumentException($"key||salt must be {KeySaltLength} bytes", nameof(keySalt));
        return new SdpCrypto(tag, keySalt.ToArray());
    }

    /// <summary>The SRTP context this key keys (one direction: the sender protects with its own key, §6.1).</summary>
    public SrtpContext CreateContext() => SrtpContext.FromMaster(MasterKey, MasterSalt);

    public SdpAttribute ToAttribute() => new(AttributeName, ToString());

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Tag} {Suite} inline:{Convert.ToBase64String(_keySalt)}");

    /// <summary>Parses an <c>a=crypto</c> value (what follows <c>crypto:</c>). Never throws for any input.</summary>
    public static SdpCryptoStatus TryParse(string? value, out SdpCrypto? crypto, out string reason)
    {
        crypto = null;
        if (value is null || value.Length == 0) return Fail("empty a=crypto", out reason);
        if (value.Length > MaxValueLength) return Fail($"a=crypto of {value.Length} characters exceeds {MaxValueLength}", out reason);
        var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 3) return Fail("a=crypto needs a tag, a suite and key parameters", out reason);
        if (f[0].Length is < 1 or > 9 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tag) || tag < 1)
            return Fail("a=crypto tag must be 1-9 digits", out reason);
        if (!string.Equals(f[1], Suite, StringComparison.Ordinal))
        {
            reason = $"crypto suite '{Truncate(f[1])}' is not {Suite}";
            return SdpCryptoStatus.Unsupported;
        }
        if (!f[2].StartsWith("inline:", StringComparison.Ordinal)) return Fail("a=crypto key method must be inline:", out reason);
        if (f[2].Contains(';', StringComparison.Ordinal))
        {
            reason = "several master keys in one a=crypto are not supported";
            return SdpCryptoStatus.Unsupported;
        }
        var keyParam = f[2]["inline:".Length..];
        var bar = keyParam.IndexOf('|', StringComparison.Ordinal);
        var base64 = bar < 0 ? keyParam : keyParam[..bar];
        if (base64.Length != Base64Length) return Fail($"inline key must be {Base64Length} base64 characters ({KeySaltLength} bytes)", out reason);
        var keySalt = new byte[KeySaltLength];
        if (!Convert.TryFromBase64String(base64, keySalt, out var written) || written != KeySaltLength)
            return Fail("inline key is not valid base64 of 30 bytes", out reason);
        if (bar >= 0)
        {
            reason = "key lifetime or MKI is not supported";
            return SdpCryptoStatus.Unsupported;
        }
        if (f.Length > 3)
        {
            reason = $"session parameter '{Truncate(f[3])}' is not supported";
            return SdpCryptoStatus.Unsupported;
        }
        crypto = new SdpCrypto(tag, keySalt);
        reason = "";
        return SdpCryptoStatus.Ok;
    }

    /// <summary>
    /// The first usable crypto attribute of a media section (the offerer lists them by preference, §5.1), or null with
    /// the reason: none present, none supported, or one malformed (a malformed line is refused, not skipped, so a
    /// broken peer is named in the log rather than silently falling back).
    /// </summary>
    public static SdpCrypto? Select(MediaDescription media, out string reason)
    {
        ArgumentNullException.ThrowIfNull(media);
        reason = "no a=crypto line";
        foreach (var a in media.Attributes)
        {
            if (!string.Equals(a.Name, AttributeName, StringComparison.OrdinalIgnoreCase)) continue;
            switch (TryParse(a.Value, out var crypto, out var why))
            {
                case SdpCryptoStatus.Ok: reason = ""; return crypto;
                case SdpCryptoStatus.Malformed: reason = why; return null;
                default: reason = why; break;
            }
        }
        return null;
    }

    private static SdpCryptoStatus Fail(string why, out string reason)
    {
        reason = why;
        return SdpCryptoStatus.Malformed;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
