using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>The unit file and the admin tool, checked with the real systemd-analyze and the built binaries.</summary>
public sealed class DeploymentTests
{
    [SkippableFact]
    public async Task Unit_file_passes_systemd_analyze_verify()
    {
        Skip.IfNot(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze (Debian package 'systemd') is not installed");
        // The unit names the installed path /usr/lib/ccgw/ccgw; point it at the built apphost so verify can
        // check that ExecStart is executable on a machine where the package is not installed. Nothing else changes.
        var dir = Directory.CreateTempSubdirectory("ccgw-unit-").FullName;
        try
        {
            var unit = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "systemd", "ccgw.service")))
                .Replace("/usr/lib/ccgw/ccgw", Binaries.DaemonAppHost, StringComparison.Ordinal);
            var path = Path.Combine(dir, "ccgw.service");
            await File.WriteAllTextAsync(path, unit);
            await using var verify = await ExternalProcess.RunAsync("/usr/bin/systemd-analyze", ["verify", path], TimeSpan.FromSeconds(60));
            Assert.True(verify.ExitCode == 0 && verify.StandardError.Trim().Length == 0,
                $"systemd-analyze verify: exit {verify.ExitCode}\n{verify.StandardOutput}\n{verify.StandardError}");
            Assert.Contains("Type=notify", unit);
            Assert.Contains("WatchdogSec=", unit);
            Assert.Contains("ProtectSystem=strict", unit);
            Assert.Contains("StateDirectory=ccgw", unit);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Ctl_hash_password_produces_a_credential_the_config_accepts()
    {
        await using var hash = await ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, "hash-password", "--user", "alice", "--realm", "localhost"],
            TimeSpan.FromSeconds(60), standardInput: "demo-alice\n");
        Assert.Equal(0, hash.ExitCode);
        var credential = hash.StandardOutput.Trim();
        Assert.StartsWith("ccgw1$alice$localhost$", credential);
        Assert.DoesNotContain("demo-alice", credential);

        var root = DaemonUnderTest.NewRoot();
        try
        {
            var file = Path.Combine(root, "config", "ccgw.json");
            var text = (await File.ReadAllTextAsync(file)).Replace("\"Password\": \"demo-alice\"", $"\"PasswordHash\": \"{credential}\"", StringComparison.Ordinal);
            await File.WriteAllTextAsync(file, text);
            await using var check = await ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, "check-config", "--config", file], TimeSpan.FromSeconds(60));
            Assert.True(check.ExitCode == 0, check.StandardError);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Version_verbs_print_the_version()
    {
        await using var daemon = await ExternalProcess.RunAsync("dotnet", [Binaries.Daemon, "version"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, daemon.ExitCode);
        Assert.Matches(@"^ccgw \d+\.\d+\.\d+", daemon.StandardOutput);
        await using var ctl = await ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, "version"], TimeSpan.FromSeconds(60));
        Assert.Matches(@"^ccgwctl \d+\.\d+\.\d+", ctl.StandardOutput);
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        await using var daemon = await ExternalProcess.RunAsync("dotnet", [Binaries.Daemon, "--confgi", "x"], TimeSpan.FromSeconds(60));
        Assert.Equal(64, daemon.ExitCode);
        Assert.Contains("unknown option '--confgi'", daemon.StandardError);
    }
}
