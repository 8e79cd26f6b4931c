using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Transport;

/// <summary>
/// A stream listener's accept loop that outlives a shortage of file descriptors. When accept fails with EMFILE or
/// ENFILE (or the kernel is out of socket buffers), the pending connection stays in the backlog and every retry would
/// fail at once: nginx pauses accepting for 500 ms and tries again, and so do we, logging once per shortage instead of
/// once per try. A reset or aborted connection in the backlog concerns only that peer: the loop goes on at once.
/// Only stopping (cancellation, the socket closed) or an error that says the listener itself is broken ends the loop.
/// </summary>
internal sealed class SocketAcceptLoop(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> onAccepted,
    TimeSpan backoff, TimeProvider time, ILogger log, string listener)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var starved = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await accept(ct);
                }
                catch (SocketException e) when (IsOutOfResources(e))
                {
                    if (!starved) log.AcceptOutOfDescriptors(listener, e.SocketErrorCode, backoff);
                    starved = true;
                    await Task.Delay(backoff, time, ct);
                    continue;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    log.AcceptedConnectionLost(listener, e.SocketErrorCode);
                    continue;
                }
                if (starved) log.AcceptRecovered(listener);
                starved = false;
                onAccepted(client);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop's normal end.
        }
        catch (ObjectDisposedException)
        {
            // The listener was closed under a pending accept by DisposeAsync: the same normal end.
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
        {
            // The listener was closed under a pending accept on Linux: the same normal end.
        }
        catch (SocketException e)
        {
            log.AcceptLoopStopped(e.SocketErrorCode);
        }
    }

    // EMFILE (process) and ENFILE (system) both map to TooManyOpenSockets; ENOBUFS/ENOMEM to NoBufferSpaceAvailable.
    private static bool IsOutOfResources(SocketException e) =>
        e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable
        || e.NativeErrorCode is 23 or 24; // ENFILE, EMFILE on Linux, whatever the mapping says
}
