namespace Ccgw.Voice.Edge;

/// <summary>
/// The key that signs digest nonces, kept in the data directory so that nonces handed out before a restart stay valid
/// after it (phones re-register with the nonce they hold); made on first start, readable by us only.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class NonceKeyFile
{
    public static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == 32) return existing;
        }
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using (var file = new FileStream(path, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        {
            file.Write(key);
            file.Flush(flushToDisk: true);
        }
        return key;
    }
}
