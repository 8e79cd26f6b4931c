using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Sip.Auth;

public enum DigestAlgorithm
{
    Md5,
    Sha256,
}

internal static class DigestHash
{
    /// <summary>Hex digits of the longest digest (SHA-256).</summary>
    public const int MaxHexLength = 64;

    public static string Name(DigestAlgorithm a) => a == DigestAlgorithm.Md5 ? "MD5" : "SHA-256";

    public static int HexLength(DigestAlgorithm a) => a == DigestAlgorithm.Md5 ? 32 : 64;

    public static DigestAlgorithm? Parse(string? name) => name switch
    {
        null => DigestAlgorithm.Md5,
        _ when name.Equals("MD5", StringComparison.OrdinalIgnoreCase) => DigestAlgorithm.Md5,
        _ when name.Equals("SHA-256", StringComparison.OrdinalIgnoreCase) => DigestAlgorithm.Sha256,
        _ => null,
    };

    public static string Hex(DigestAlgorithm a, string input)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
#pragma warning disable CA5351 // MD5 is mandated by RFC 2617/3261 digest interop; SHA-256 is offered first (RFC 8760).
        var hash = a == DigestAlgorithm.Md5 ? MD5.HashData(bytes) : SHA256.HashData(bytes);
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// The expected answer to a qop=auth challenge (RFC 7616 §3.4.1), as lower-case hex ASCII in
    /// <paramref name="destination"/> (<see cref="HexLength"/> bytes): KD(HA1, nonce:nc:cnonce:qop:H(method:uri)).
    /// Same value as building the strings and calling <see cref="Hex"/> twice, without a heap allocation for the usual
    /// header sizes (the inputs go through a stack buffer, a pooled one past 512 bytes), since every REGISTER and
    /// every authenticated INVITE computes it.
    /// </summary>
    public static int ResponseHex(DigestAlgorithm a, string ha1, string nonce, string nc, string cnonce, string qop,
        string method, string uri, Span<byte> destination)
    {
        Span<byte> ha2 = stackalloc byte[MaxHexLength];
        var ha2Length = HashHex(a, ha2, method, ":", uri, null, null, null, null, null, null, null, null);
        return HashHex(a, destination, ha1, ":", nonce, ":", nc, ":", cnonce, ":", qop, ":", null, ha2[..ha2Length]);
    }

    private static int HashHex(DigestAlgorithm a, Span<byte> destination, string? p0, string? p1, string? p2, string? p3, string? p4,
        string? p5, string? p6, string? p7, string? p8, string? p9, string? p10, ReadOnlySpan<byte> tail = default)
    {
        ReadOnlySpan<string?> parts = [p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10];
        var length = tail.Length;
        foreach (var p in parts)
            if (p is not null) length += Encoding.UTF8.GetByteCount(p);
        byte[]? rented = null;
        Span<byte> input = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var at = 0;
            foreach (var p in parts)
                if (p is not null) at += Encoding.UTF8.GetBytes(p, input[at..]);
            tail.CopyTo(input[at..]);
            at += tail.Length;
            Span<byte> hash = stackalloc byte[32];
#pragma warning disable CA5351 // MD5 is mandated by RFC 2617/3261 digest interop; SHA-256 is offered first (RFC 8760).
            var hashLength = a == DigestAlgorithm.Md5 ? MD5.HashData(input[..at], hash) : SHA256.HashData(input[..at], hash);
#pragma warning restore CA5351
            for (var i = 0; i < hashLength; i++)
            {
                destination[2 * i] = HexDigit(hash[i] >> 4);
                destination[(2 * i) + 1] = HexDigit(hash[i] & 0xF);
            }
            return 2 * hashLength;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static byte HexDigit(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);
}
