using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Ccgw.Media.Srtp;

/// <summary>What <see cref="SrtpContext.Unprotect"/> made of a packet.</summary>
public enum SrtpVerdict
{
    /// <summary>Authenticated, not a replay, decrypted in place.</summary>
    Ok,

    /// <summary>Shorter than an RTP header plus the tag, or its header is malformed.</summary>
    Malformed,

    /// <summary>The authentication tag does not match (RFC 3711 §3.3 step 5): dropped, the state unchanged.</summary>
    AuthenticationFailed,

    /// <summary>Seen already, or older than the replay window (RFC 3711 §3.3.2).</summary>
    Replayed,
}

/// <summary>
/// One direction of SRTP (RFC 3711) with the SDES crypto suite AES_CM_128_HMAC_SHA1_80 (RFC 4568 §6.2.1): session keys
/// derived from the master key and salt (§4.3.1, key derivation rate 0), AES in counter mode (§4.1.1) built from .NET's
/// <see cref="Aes"/> in ECB over a block of counters, HMAC-SHA1 truncated to 80 bits over the packet and the rollover
/// counter (§4.2), the index estimate of §3.3.1 (Appendix A) and a 64-packet replay window (§3.3.2).
/// One context protects (sender) or unprotects (receiver) one SSRC's stream; a new SSRC starts its rollover counter and
/// window afresh. Not thread-safe: a leg's sending or receiving loop owns it. No allocation per packet: the counter and
/// keystream buffers and the HMAC are made once.
/// </summary>
public sealed class SrtpContext : IDisposable
{
    public const int MasterKeyLength = 16;
    public const int MasterSaltLength = 14;
    public const int TagLength = 10;
    private const int MaxPayload = 2048;
    private const int ReplayWindow = 64;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly IncrementalHash _hmac;
    private readonly byte[] _salt = new byte[MasterSaltLength];
    private readonly byte[] _counters = new byte[MaxPayload];
    private readonly byte[] _keystream = new byte[MaxPayload];
    private readonly byte[] _tag = new byte[20];
    private uint? _ssrc;
    private uint _roc;
    private ushort _highestSeq;
    private ulong _window; // bit i: index (highest - i) was received

    private SrtpContext(byte[] sessionKey, byte[] sessionSalt, byte[] authKey)
    {
        SessionKey = sessionKey;
        sessionSalt.CopyTo(_salt, 0);
        AuthKey = authKey;
        _aes = Aes.Create();
        _aes.Key = sessionKey;
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        // One ECB encryptor for the context's life: the array TransformBlock allocates nothing, where the span one-shot
        // EncryptEcb allocated 64 bytes per call (measured by the allocation test).
        _ecb = _aes.CreateEncryptor();
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, authKey);
    }

    /// <summary>The derived session encryption key (k_e), for the RFC 3711 B.3 test.</summary>
    internal byte[] SessionKey { get; }

    /// <summary>The derived session salt (k_s).</summary>
    internal ReadOnlySpan<byte> SessionSalt => _salt;

    /// <summary>The derived session authentication key (k_a, 160 bits).</summary>
    internal byte[] AuthKey { get; }

    /// <summary>A context from session keys directly (the RFC 3711 B.2 test gives a session key and salt, not a master).</summary>
    internal static SrtpContext FromSessionKeys(byte[] sessionKey, byte[] sessionSalt, byte[] authKey) => new(sessionKey, sessionSalt, authKey);

    /// <summary>A context for the SRTP stream keyed by an SDES <c>inline:</c> master key (16 bytes) and salt (14 bytes).</summary>
    public static SrtpContext FromMaster(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        if (masterKey.Length != MasterKeyLength) throw new ArgumentException($"an AES_CM_128 master key is {MasterKeyLength} bytes", nameof(masterKey));
        if (masterSalt.Length != MasterSaltLength) throw new ArgumentException($"a master salt is {MasterSaltLength} bytes", nameof(masterSalt));
        using var prf = Aes.Create();
        prf.Key = masterKey.ToArray();
        return new SrtpContext(Derive(prf, masterSalt, 0x00, 16), Derive(prf, masterSalt, 0x02, 14), Derive(prf, masterSalt, 0x01, 20));
    }

    /// <summary>
    /// §4.3.1 with kdr 0: x = label at octet 7 XOR the master salt; the key is the AES-CM keystream from IV x·2^16.
    /// (SRTCP's labels are 3, 4 and 5; only SRTP is done here.)
    /// </summary>
    private static byte[] Derive(Aes prf, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        Span<byte> iv = stackalloc byte[16];
        masterSalt.CopyTo(iv);
        iv[7] ^= label;
        var output = new byte[length];
        Span<byte> counters = stackalloc byte[32];
        Span<byte> stream = stackalloc byte[32];
        for (var block = 0; block < 2; block++)
        {
            iv.CopyTo(counters[(block * 16)..]);
            BinaryPrimitives.WriteUInt16BigEndian(counters[(block * 16 + 14)..], (ushort)block);
        }
        prf.EncryptEcb(counters, stream, PaddingMode.None);
        stream[..length].CopyTo(output);
        return output;
    }

    /// <summary>The AES-CM keystream for <paramref name="iv"/> (RFC 3711 §4.1.1), XORed into <paramref name="data"/>.</summary>
    internal void ApplyKeystream(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var blocks = (data.Length + 15) / 16;
        var counters = _counters.AsSpan(0, blocks * 16);
        var low = BinaryPrimitives.ReadUInt16BigEndian(iv[14..]);
        for (var b = 0; b < blocks; b++)
        {
            var block = counters.Slice(b * 16, 16);
            iv.CopyTo(block);
            BinaryPrimitives.WriteUInt16BigEndian(block[14..], (ushort)(low + b));
        }
        _ecb.TransformBlock(_counters, 0, blocks * 16, _keystream, 0);
        var stream = _keystream.AsSpan(0, blocks * 16);
        for (var i = 0; i < data.Length; i++) data[i] ^= stream[i];
    }

    /// <summary>
    /// Encrypts the RTP packet in <paramref name="buffer"/>[..<paramref name="length"/>] in place and appends the tag;
    /// the buffer needs <see cref="TagLength"/> bytes of room. False when the packet is not RTP or too long.
    /// </summary>
    public bool TryProtect(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if (!TryHeaderLength(buffer[..length], out var header) || length - header > MaxPayload || buffer.Length < length + TagLength) return false;
        var seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        if (_ssrc != ssrc)
        {
            _ssrc = ssrc;
            _roc = 0;
            _highestSeq = seq;
        }
        else if (seq < _highestSeq && _highestSeq - seq > 0x8000)
        {
            _roc++; // the sequence number wrapped: the sender keeps the ROC (§3.3.1)
            _highestSeq = seq;
        }
        else if (seq > _highestSeq && seq - _highestSeq < 0x8000)
        {
            _highestSeq = seq;
        }
        var index = ((ulong)_roc << 16) | seq;
        Span<byte> iv = stackalloc byte[16];
        BuildIv(ssrc, index, iv);
        ApplyKeystream(iv, buffer[header..length]);
        Authenticate(buffer[..length], _roc, buffer.Slice(length, TagLength));
        protectedLength = length + TagLength;
        return true;
    }

    /// <summary>Checks, replay-checks and decrypts the SRTP packet in place (RFC 3711 §3.3); on Ok, <paramref name="plainLength"/> is the RTP length.</summary>
    public SrtpVerdict Unprotect(Span<byte> buffer, int length, out int plainLength)
    {
        plainLength = 0;
        if (length < 12 + TagLength || !TryHeaderLength(buffer[..(length - TagLength)], out var header) || length - TagLength - header > MaxPayload)
            return SrtpVerdict.Malformed;
        var rtpLength = length - TagLength;
        var seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        var fresh = _ssrc != ssrc;
        var roc = fresh ? 0u : EstimateRoc(seq);
        var index = ((ulong)roc << 16) | seq;
        if (!fresh && IsReplay(index)) return SrtpVerdict.Replayed;
        Span<byte> expected = stackalloc byte[TagLength];
        Authenticate(buffer[..rtpLength], roc, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, buffer.Slice(rtpLength, TagLength))) return SrtpVerdict.AuthenticationFailed;
        Span<byte> iv = stackalloc byte[16];
        BuildIv(ssrc, index, iv);
        ApplyKeystream(iv, buffer[header..rtpLength]);
        Accept(fresh, ssrc, roc, seq, index);
        plainLength = rtpLength;
        return SrtpVerdict.Ok;
    }

    /// <summary>§3.3.1 / Appendix A: the ROC v that puts <paramref name="seq"/> closest to the highest index seen.</summary>
    private uint EstimateRoc(ushort seq)
    {
        if (_highestSeq < 0x8000) return seq - _highestSeq > 0x8000 && _roc > 0 ? _roc - 1 : _roc;
        return _highestSeq - 0x8000 > seq ? _roc + 1 : _roc;
    }

    private bool IsReplay(ulong index)
    {
        var highest = ((ulong)_roc << 16) | _highestSeq;
        if (index > highest) return false;
        var behind = highest - index;
        return behind >= ReplayWindow || (_window & (1UL << (int)behind)) != 0;
    }

    /// <summary>After authentication only (§3.3 step 6): update ROC, highest index and window.</summary>
    private void Accept(bool fresh, uint ssrc, uint roc, ushort seq, ulong index)
    {
        if (fresh)
        {
            _ssrc = ssrc;
            _roc = roc;
            _highestSeq = seq;
            _window = 1;
            return;
        }
        var highest = ((ulong)_roc << 16) | _highestSeq;
        if (index > highest)
        {
            var ahead = index - highest;
            _window = ahead >= ReplayWindow ? 1 : (_window << (int)ahead) | 1;
            _roc = roc;
            _highestSeq = seq;
        }
        else
        {
            _window |= 1UL << (int)(highest - index);
        }
    }

    /// <summary>§4.1.1: IV = (k_s·2^16) XOR (SSRC·2^64) XOR (i·2^16).</summary>
    private void BuildIv(uint ssrc, ulong index, Span<byte> iv)
    {
        _salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        Span<byte> word = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(word, ssrc);
        for (var i = 0; i < 4; i++) iv[4 + i] ^= word[i];
        BinaryPrimitives.WriteUInt64BigEndian(word, index << 16);
        for (var i = 0; i < 8; i++) iv[6 + i] ^= word[i];
    }

    /// <summary>§4.2: HMAC-SHA1(k_a, packet || ROC) truncated to 80 bits.</summary>
    private void Authenticate(ReadOnlySpan<byte> packet, uint roc, Span<byte> tag)
    {
        Span<byte> rocBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
        _hmac.AppendData(packet);
        _hmac.AppendData(rocBytes);
        _hmac.GetHashAndReset(_tag);
        _tag.AsSpan(0, TagLength).CopyTo(tag);
    }

    /// <summary>RTP header length (RFC 3550 §5.1, §5.3.1): 12 + 4·CC, plus the extension when X is set.</summary>
    private static bool TryHeaderLength(ReadOnlySpan<byte> packet, out int length)
    {
        length = 0;
        if (packet.Length < 12 || packet[0] >> 6 != 2) return false;
        length = 12 + 4 * (packet[0] & 0x0F);
        if ((packet[0] & 0x10) != 0)
        {
            if (packet.Length < length + 4) return false;
            length += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(length + 2)..]);
        }
        return length <= packet.Length;
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
        _hmac.Dispose();
    }
}
