using System.Diagnostics;
using System.Text;

namespace Ccgw.Mqtt.Tests.Interop;

/// <summary>Runs a real client process with a hard time limit and captures its output.</summary>
internal sealed class ExternalProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExternalProcess(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stdout) _stdout.AppendLine(e.Data);
            _firstLine.TrySetResult();
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string StdOut
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string StdErr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public int ExitCode => _process.ExitCode;

    public static ExternalProcess Start(string file, params IEnumerable<string> args) => new(file, args);

    public static async Task<ExternalProcess> RunAsync(string file, IEnumerable<string> args, int timeoutSeconds = 20)
    {
        var p = Start(file, args);
        await p.WaitAsync(timeoutSeconds);
        return p;
    }

    /// <summary>Waits for exit; kills the process and fails the test when it overruns.</summary>
    public async Task WaitAsync(int timeoutSeconds = 20)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"{_process.StartInfo.FileName} did not finish within {timeoutSeconds}s; stdout: {StdOut} stderr: {StdErr}");
        }
        await _process.WaitForExitAsync(); // flushes the output events
    }

    /// <summary>Kills the process as a crash would (no DISCONNECT is sent).</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
