using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd.Tests;

internal sealed class FakeEnvironment(int processId = 4242) : ISystemdEnvironment
{
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    public int ProcessId { get; } = processId;

    public string? GetVariable(string name) => Variables.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Stands in for the library's notify-socket client: records each datagram's text, or throws like a socket whose
/// peer is gone. (The real client, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier, reads the process-wide
/// NOTIFY_SOCKET; the interop tests drive it over a real socket.)
/// </summary>
internal sealed class RecordingNotifier(bool isEnabled = true) : ISystemdNotifier
{
    private readonly Queue<string> _sent = new();

    public bool IsEnabled { get; } = isEnabled;

    public Exception? Failure { get; set; }

    /// <summary>Datagrams sent and not yet taken.</summary>
    public int Pending
    {
        get
        {
            lock (_sent) return _sent.Count;
        }
    }

    public void Notify(ServiceState state)
    {
        if (Failure is not null) throw Failure;
        lock (_sent) _sent.Enqueue(state.ToString());
    }

    public string Take()
    {
        lock (_sent)
        {
            Assert.True(_sent.Count > 0, "nothing was sent");
            return _sent.Dequeue();
        }
    }
}

internal sealed class CapturingLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
    }
}

internal sealed class FakeLifetime : IHostApplicationLifetime, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();
}
