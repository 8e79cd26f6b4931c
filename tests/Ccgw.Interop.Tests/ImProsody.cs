using System.Globalization;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Debian's Prosody started on its own configuration in a temp directory: c2s without TLS on a free loopback port
/// (PLAIN allowed), the virtual host <c>localhost</c> with the given accounts, <c>anon.localhost</c> for SASL ANONYMOUS
/// guests, and one external component (XEP-0114) on another free port. Killed on dispose.
/// </summary>
internal sealed class ProsodyUnderTest : IAsyncDisposable
{
    private ProsodyUnderTest(string root, ExternalProcess process, int c2sPort, int componentPort)
    {
        Root = root;
        Process = process;
        C2sPort = c2sPort;
        ComponentPort = componentPort;
    }

    public static bool Installed => File.Exists("/usr/bin/prosody") && File.Exists("/usr/bin/prosodyctl");

    public string Root { get; }
    public ExternalProcess Process { get; }

    /// <summary>Prosody logged a component's successful handshake (mod_component).</summary>
    public bool ComponentAuthenticated => Process.StandardOutput.Contains("successfully authenticated", StringComparison.Ordinal);
    public int C2sPort { get; }
    public int ComponentPort { get; }

    public static async Task<ProsodyUnderTest> StartAsync(string componentDomain, string secret, IEnumerable<(string User, string Password)> accounts)
    {
        var root = Directory.CreateTempSubdirectory("ccgw-prosody-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "data"));
        Directory.CreateDirectory(Path.Combine(root, "certs"));
        int c2s = FreePorts.Tcp(), component = FreePorts.Tcp();
        var config = Path.Combine(root, "prosody.cfg.lua");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            pidfile = "{{root}}/prosody.pid"
            data_path = "{{root}}/data"
            certificates = "{{root}}/certs"
            daemonize = false
            run_as_root = true
            log = { { levels = { min = "info" }, to = "console" } }
            interfaces = { "127.0.0.1" }
            c2s_ports = { {{c2s}} }
            c2s_direct_tls_ports = { }
            legacy_ssl_ports = { }
            component_ports = { {{component}} }
            component_interface = "127.0.0.1"
            http_ports = { }
            https_ports = { }
            modules_enabled = { "roster", "saslauth", "disco", "ping", "version" }
            modules_disabled = { "s2s", "http", "admin_telnet", "tls", "posix" }
            authentication = "internal_plain"
            c2s_require_encryption = false
            allow_unencrypted_plain_auth = true
            storage = "internal"
            VirtualHost "localhost"
            VirtualHost "anon.localhost"
                authentication = "anonymous"
            Component "{{componentDomain}}"
                component_secret = "{{secret}}"
            """));
        foreach (var (user, password) in accounts)
        {
            await using var register = await ExternalProcess.RunAsync("/usr/bin/prosodyctl", ["--config", config, "register", user, "localhost", password],
                TimeSpan.FromSeconds(30));
            if (register.ExitCode != 0)
                throw new InvalidOperationException($"prosodyctl register {user} failed:\n{register.StandardOutput}\n{register.StandardError}");
        }

        var process = ExternalProcess.Start("/usr/bin/prosody", ["--config", config, "-F"], workingDirectory: root);
        var prosody = new ProsodyUnderTest(root, process, c2s, component);
        // Prosody logs each activated listener; both must be up before anyone connects (bounded, never open-ended).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(process.StandardOutput.Contains($"[127.0.0.1]:{c2s}", StringComparison.Ordinal)
                 && process.StandardOutput.Contains($"[127.0.0.1]:{component}", StringComparison.Ordinal)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = process.StandardOutput + process.StandardError;
                await prosody.DisposeAsync();
                throw new InvalidOperationException($"prosody did not start:\n{output}");
            }
            await Task.Delay(50);
        }
        return prosody;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
