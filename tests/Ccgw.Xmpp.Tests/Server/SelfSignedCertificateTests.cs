using Ccgw.Testing;
using Ccgw.Xmpp.Server;

namespace Ccgw.Xmpp.Tests.Server;

/// <summary>Without a configured certificate the c2s listener makes one once and keeps it, owner-readable only.</summary>
public sealed class SelfSignedCertificateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-selfsigned-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_certificate_is_made_for_the_domain_once_and_the_same_one_is_loaded_after_a_restart()
    {
        var path = Path.Combine(_dir, "data", "xmpp-selfsigned.pfx");
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

        using var made = SelfSignedCertificate.LoadOrCreate(path, "chat.example.com", time);
        using var loaded = SelfSignedCertificate.LoadOrCreate(path, "chat.example.com", time);

        Assert.Equal("CN=chat.example.com", made.Subject);
        Assert.True(made.HasPrivateKey);
        Assert.Equal(made.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(time.GetUtcNow().AddYears(10), new DateTimeOffset(made.NotAfter.ToUniversalTime()), TimeSpan.FromSeconds(1));
        Assert.False(File.Exists(path + ".tmp"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
