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
    public static string Name(DigestAlgorithm a) => a == DigestAlgorithm.Md5 ? "MD5" : "SHA-256";

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
}
