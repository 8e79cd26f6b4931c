using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Ccgw.Testing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Tests.Transport;

/// <summary>The stream listeners' accept loop under descriptor exhaustion, and the host's admission hook.</summary>
public sealed class AcceptLoopTests
{
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(500);

    [Fact]
    public Task Out_of_descriptors_pauses_accepting_logs_once_and_goes_on_accepting() => Task.Run(async () =>
    {
        // Run without the test framework's synchronization context: the manual clock's timers then resume the loop
        // inline inside Advance, so every step below is deterministic.
        var time = new ManualTimeProvider();
        var log = new EventLog();
        var attempts = 0;
        var pendingAccept = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var dummy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepted = new List<Socket>();
        ValueTask<Socket> Accept(CancellationToken ct)
        {
            attempts++;
            return attempts switch
            {
                1 or 2 => ValueTask.FromException<Socket>(new SocketException((int)SocketError.TooManyOpenSockets)),
                3 => ValueTask.FromResult(dummy),
                _ => new ValueTask<Socket>(pendingAccept.Task.WaitAsync(ct)),
            };
        }
        using var stop = new CancellationTokenSource();
        var loop = new SocketAcceptLoop(Accept, accepted.Add, Backoff, time, log, "sip-tcp");

        var run = loop.RunAsync(stop.Token);
        Assert.Equal(1, attempts);
        time.Advance(Backoff - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, attempts); // no busy retry while descriptors are short
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, attempts); // still short: another pause, no second error line
        time.Advance(Backoff);
        Assert.Equal(4, attempts);
        Assert.Same(dummy, Assert.Single(accepted));
        Assert.Equal([16710, 16711], log.Events);
        Assert.False(run.IsCompleted); // the listener is still accepting

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    });

    [Fact]
    public Task A_connection_lost_in_the_backlog_does_not_stop_the_loop() => Task.Run(async () =>
    {
        var time = new ManualTimeProvider();
        var attempts = 0;
        var pendingAccept = new TaskCompletionSource<Socket>();
        ValueTask<Socket> Accept(CancellationToken ct) => ++attempts == 1
            ? ValueTask.FromException<Socket>(new SocketException((int)SocketError.ConnectionAborted))
            : new ValueTask<Socket>(pendingAccept.Task.WaitAsync(ct));
        using var stop = new CancellationTokenSource();
        var run = new SocketAcceptLoop(Accept, _ => { }, Backoff, time, new EventLog(), "sip-tcp").RunAsync(stop.Token);
        Assert.Equal(2, attempts);
        Assert.False(run.IsCompleted);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    });

    [Fact]
    public async Task A_connection_the_host_refuses_is_closed_before_any_byte_and_an_admitted_one_is_served()
    {
        var admitted = new ConcurrentQueue<IPAddress>();
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var admitNext = false;
        IDisposable? Admit(SipTransportKind kind, IPAddress address)
        {
            Assert.Equal(SipTransportKind.Tcp, kind);
            if (!Volatile.Read(ref admitNext)) return null;
            admitted.Enqueue(address);
            return new Release(() => released.TrySetResult());
        }
        await using var stack = new SipStack(new SipStackOptions
        {
            Transport = new SipTransportOptions { Udp = null, Tcp = new IPEndPoint(IPAddress.Loopback, 0), AdmitConnection = Admit },
        }, new InMemoryCredentialStore([]), new InMemoryRegistrationStore(), TimeProvider.System);
        stack.Start();
        var at = stack.TcpEndPoint!;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using (var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await refused.ConnectAsync(at, guard.Token);
            // The server closes it without reading: the read sees the end of the stream (or a reset).
            var buffer = new byte[16];
            try
            {
                Assert.Equal(0, await refused.ReceiveAsync(buffer, SocketFlags.None, guard.Token));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // also a close
            }
        }

        Volatile.Write(ref admitNext, true);
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(at, guard.Token);
            var options = "OPTIONS sip:gw@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKcap1\r\nFrom: <sip:t@127.0.0.1>;tag=t1\r\n" +
                "To: <sip:gw@127.0.0.1>\r\nCall-ID: cap-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(options), SocketFlags.None, guard.Token);
            var buffer = new byte[4096];
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            Assert.StartsWith("SIP/2.0 200", System.Text.Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
        }
        Assert.Equal(IPAddress.Loopback, Assert.Single(admitted));
        // The lease is given back when the connection ends (the server sees the close and ends it).
        await released.Task.WaitAsync(guard.Token);
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    private sealed class EventLog : ILogger
    {
        public List<int> Events { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Events) Events.Add(eventId.Id);
        }
    }
}
