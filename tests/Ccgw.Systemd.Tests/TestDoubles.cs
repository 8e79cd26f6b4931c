using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd.Tests;

internal sealed class FakeEnvironment(int processId = 4242) : ISystemdEnvironment
{
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    public int ProcessId { get; } = processId;

    public string? GetVariable(string name) => Variables.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A real Unix datagram socket standing in for systemd's notify socket.</summary>
internal sealed class NotifySocketListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string? _directory;

    private NotifySocketListener(string notifySocketValue, UnixDomainSocketEndPoint endPoint, string? directory)
    {
        NotifySocketValue = notifySocketValue;
        _directory = directory;
        _socket.Bind(endPoint);
    }

    /// <summary>What systemd would put in $NOTIFY_SOCKET.</summary>
    public string NotifySocketValue { get; }

    /// <summary>Bytes waiting in the socket; sends in these tests are synchronous, so 0 means "nothing was sent".</summary>
    public int Pending => _socket.Available;

    public static NotifySocketListener InTempDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ccgw-sd-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "notify");
        return new NotifySocketListener(path, new UnixDomainSocketEndPoint(path), directory);
    }

    public static NotifySocketListener InAbstractNamespace()
    {
        var name = "ccgw-test-" + Guid.NewGuid().ToString("N");
        return new NotifySocketListener("@" + name, new UnixDomainSocketEndPoint("\0" + name), null);
    }

    public FakeEnvironment Environment(int processId = 4242)
    {
        var environment = new FakeEnvironment(processId);
        environment.Variables["NOTIFY_SOCKET"] = NotifySocketValue;
        return environment;
    }

    public async Task<string> ReceiveAsync()
    {
        // Guard against a hang only; nothing here asserts on timing.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_directory is not null) Directory.Delete(_directory, recursive: true);
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
