using System.Diagnostics;
using System.Text;

namespace Ccgw.Sip.Tests.Interop;

internal sealed record ToolResult(int ExitCode, string Output, bool TimedOut);

/// <summary>Runs a real peer as a child process with a hard time limit (killed with its children on expiry).</summary>
internal static class ExternalTool
{
    public static string Require(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"'{name}' is not installed; the interop tests need the Debian packages sip-tester, sipsak and sipvicious");
        return name;
    }

    public static async Task<ToolResult> RunAsync(string tool, IEnumerable<string> args, TimeSpan limit, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(Require(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        output.Append(await stdout).Append(await stderr);
        return new ToolResult(process.ExitCode, output.ToString(), timedOut);
    }
}
