using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Ccgw.Testing;

/// <summary>Plays systemd's side of sd_notify: a Unix datagram socket collecting what the daemon reports.</summary>
public sealed class NotifySocket : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;
    private readonly List<string> _seen = [];

    public NotifySocket(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _receiver = ReceiveAsync();
    }

    public string Path { get; }

    /// <summary>Every datagram so far, each split into its KEY=VALUE lines.</summary>
    public IReadOnlyList<string> Seen
    {
        get { lock (_seen) return [.. _seen]; }
    }

    /// <summary>Waits for a datagram containing the line <paramref name="line"/> (e.g. READY=1).</summary>
    public async Task<bool> WaitForAsync(string line, TimeSpan timeout)
    {
        lock (_seen)
            if (_seen.Contains(line)) return true;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(cts.Token);
                if (message.Split('\n').Contains(line)) return true;
            }
        }
        catch (OperationCanceledException)
        {
            lock (_seen) return _seen.Contains(line);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                var text = Encoding.UTF8.GetString(buffer, 0, n);
                lock (_seen) _seen.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                _messages.Writer.TryWrite(text);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _receiver;
        _stop.Dispose();
        File.Delete(Path);
    }
}
