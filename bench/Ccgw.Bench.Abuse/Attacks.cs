using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ccgw.Bench.Abuse;

/// <summary>What an attack reports: the rate it sent and what got through (free text, one table cell each).</summary>
internal sealed record AttackOutcome(string Sent, string GotThrough);

/// <summary>The attacks. Every attacker sends from <see cref="Address"/> (or 127.0.1.x when it spreads), loopback only.</summary>
internal static class Attacks
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.3");

    private static string Rate(double count, TimeSpan duration) => (count / duration.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture) + "/s";

    private static string Counts(IReadOnlyDictionary<int, int> statuses) =>
        string.Join(", ", statuses.Where(s => s.Key >= 200).OrderBy(s => s.Key).Select(s => $"{s.Value}×{s.Key}"));

    /// <summary>Open loop: calls <paramref name="send"/> so that <paramref name="rate"/> per second go out, until the end.</summary>
    private static async Task<long> PaceAsync(double rate, TimeSpan duration, Action<long> send)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            var due = (long)(rate * clock.Elapsed.TotalSeconds);
            for (; sent < due; sent++) send(sent);
            await Task.Delay(5);
        }
        return sent;
    }

    /// <summary>
    /// Wrong digest passwords for alice from one address, reusing one challenge (stateless nonces allow it). Every
    /// 100th guess is the right password: "got through" is how many of those the daemon still let in.
    /// </summary>
    public static async Task<AttackOutcome> RegisterBruteForceAsync(Target target, TimeSpan duration, double rate)
    {
        await using var sip = new SipUdp(Address, target.Sip);
        var planted = new ConcurrentDictionary<string, byte>();
        var admitted = 0;
        var first = SipText.Token();
        var challenge = await sip.RequestAsync(first, SipText.Register(sip.Local, target.Sip, target.Domain, "alice", first, 1, null), TimeSpan.FromSeconds(2));
        if (challenge?.Status != 401) return new AttackOutcome("-", $"no challenge ({challenge?.Status.ToString(CultureInfo.InvariantCulture) ?? "no answer"})");
        var waiters = new List<Task>();
        var sent = await PaceAsync(rate, duration, n =>
        {
            var callId = SipText.Token();
            var right = n % 100 == 99;
            var answer = SipText.Answer(challenge, "alice", right ? "demo-alice" : $"guess-{n}", $"sip:{target.Domain}", "REGISTER");
            var message = SipText.Register(sip.Local, target.Sip, target.Domain, "alice", callId, 2, answer);
            if (!right)
            {
                sip.Send(message);
                return;
            }
            planted[callId] = 0;
            waiters.Add(Task.Run(async () =>
            {
                if ((await sip.RequestAsync(callId, message, TimeSpan.FromSeconds(2)))?.Status == 200) Interlocked.Increment(ref admitted);
            }));
        });
        await Task.WhenAll(waiters);
        await Task.Delay(500); // the last answers
        return new AttackOutcome($"{Rate(sent, duration)} guesses",
            $"right password admitted {admitted} of {planted.Count} planted; answers: {Counts(sip.StatusCounts)}");
    }

    /// <summary>New INVITEs to DID 100 (each its own Call-ID, never ACKed) from <paramref name="source"/>.</summary>
    public static async Task<AttackOutcome> InviteFloodAsync(Target target, TimeSpan duration, double rate, IPAddress source)
    {
        await using var sip = new SipUdp(source, target.Sip);
        var sent = await PaceAsync(rate, duration, _ => sip.Send(SipText.Invite(sip.Local, target.Sip, "100", SipText.Token(), 40000)));
        await Task.Delay(1000); // answers still in flight
        return new AttackOutcome($"{Rate(sent, duration)} INVITEs", $"answered {sip.AnsweredInvites} of {sent}; answers: {Counts(sip.StatusCounts)}");
    }

    /// <summary>Help-request submissions as fast as <paramref name="workers"/> closed loops go, spread over <paramref name="sources"/> addresses.</summary>
    public static async Task<AttackOutcome> HelpFloodAsync(Target target, TimeSpan duration, int workers, int sources)
    {
        var clients = Enumerable.Range(1, sources).Select(i => Clients.Http(IPAddress.Parse($"127.0.1.{i}"), target.Http.Port, 2)).ToArray();
        var statuses = new ConcurrentDictionary<int, int>();
        long serial = 0;
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var j = w; !stop.IsCancellationRequested; j += workers)
            {
                var number = "+4940" + (1000000 + Interlocked.Increment(ref serial)).ToString(CultureInfo.InvariantCulture);
                int status;
                try
                {
                    using var response = await clients[j % sources].PostAsync(new Uri("/api/help-requests", UriKind.Relative), Clients.HelpRequest(number), stop.Token);
                    status = (int)response.StatusCode;
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
                {
                    status = stop.IsCancellationRequested ? -1 : 0; // -1: cut by the end of the window, not counted
                }
                if (status >= 0) statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            }
        })));
        foreach (var c in clients) c.Dispose();
        var total = statuses.Values.Sum();
        return new AttackOutcome($"{Rate(total, duration)} POSTs ({sources} addresses)",
            $"202: {statuses.GetValueOrDefault(202)} of {total}; " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}×{(s.Key == 0 ? "error" : s.Key.ToString(CultureInfo.InvariantCulture))}")));
    }

    /// <summary>SASL ANONYMOUS logins (stream, STARTTLS, TLS, stream, auth) as fast as <paramref name="workers"/> loops go.</summary>
    public static async Task<AttackOutcome> GuestFloodAsync(Target target, TimeSpan duration, int workers)
    {
        int ok = 0, failed = 0;
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (await Clients.XmppLoginAsync(Address, target.Xmpp, target.Domain, null, null, stop.Token)) Interlocked.Increment(ref ok);
                    else Interlocked.Increment(ref failed);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or System.Security.Authentication.AuthenticationException)
                {
                    if (!stop.IsCancellationRequested) Interlocked.Increment(ref failed); // refused or cut; not when our window ended
                }
            }
        })));
        return new AttackOutcome($"{Rate(ok + failed, duration)} logins", $"guest sessions: {ok} of {ok + failed}");
    }

    /// <summary>The first bytes each slowloris connection dribbles, per listener; after them it dribbles 'a' forever.</summary>
    public static byte[] SlowPrefix(string listener) => listener switch
    {
        "HTTP" => Encoding.ASCII.GetBytes("POST /api/help-requests HTTP/1.1\r\nHost: localhost\r\nX-Slow: "),
        "XMPP" => Encoding.ASCII.GetBytes("<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' x='"),
        // CONNECT claiming 16383 bytes, then a client id that never ends.
        "MQTT" => [0x10, 0xFF, 0x7F, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0x3F, 0xF0],
        "SIP TCP" => Encoding.ASCII.GetBytes("OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.3:5060;branch=z9hG4bKslow\r\nX-Slow: "),
        _ => throw new ArgumentOutOfRangeException(nameof(listener)),
    };

    /// <summary>
    /// Slowloris: keeps <paramref name="connections"/> connections to <paramref name="server"/>, each sending the next
    /// byte of a request that never ends every <paramref name="dribble"/>; a connection the daemon closes is replaced.
    /// </summary>
    public static async Task<AttackOutcome> SlowlorisAsync(IPEndPoint server, string listener, TimeSpan duration, int connections, TimeSpan dribble)
    {
        var prefix = SlowPrefix(listener);
        var slots = new Socket?[connections];
        var positions = new int[connections];
        int opened = 0, closedByDaemon = 0, connectFailed = 0;
        using var stop = new CancellationTokenSource(duration);
        using var gate = new SemaphoreSlim(64); // connects in flight at once
        var watchers = new ConcurrentBag<Task>();

        async Task OpenAsync(int i)
        {
            await gate.WaitAsync();
            try
            {
                var socket = await Clients.ConnectAsync(Address, server, stop.Token);
                Interlocked.Increment(ref opened);
                positions[i] = 0;
                slots[i] = socket;
                watchers.Add(WatchAsync(i, socket));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                if (!stop.IsCancellationRequested) Interlocked.Increment(ref connectFailed); // refused or the backlog is full
            }
            finally
            {
                gate.Release();
            }
        }

        // Watches for the daemon's close (read returns 0 or resets); the slot is then opened again.
        async Task WatchAsync(int i, Socket socket)
        {
            var buffer = new byte[4096];
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                if (stop.IsCancellationRequested) return; // our window ended, not the daemon's doing
            }
            if (stop.IsCancellationRequested) return;
            Interlocked.Increment(ref closedByDaemon);
            slots[i] = null;
            socket.Dispose();
            // A short pause before the replacement: against a daemon that accepts and closes at once (a connection
            // cap) a tight loop would measure this process's CPU, not the daemon's.
            try
            {
                await Task.Delay(50, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return; // window over
            }
            await OpenAsync(i);
        }

        // Dribbling starts at once, on the connections open so far: opening 1000 takes seconds of a short window.
        var opening = Task.WhenAll(Enumerable.Range(0, connections).Select(OpenAsync));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var allOpenAfter = TimeSpan.Zero;
        long bytes = 0;
        // One pass every dribble/10 serves a tenth of the connections, so each gets a byte per dribble.
        var tick = dribble / 10;
        for (var pass = 0; !stop.IsCancellationRequested; pass++)
        {
            for (var i = pass % 10; i < connections; i += 10)
            {
                var socket = slots[i];
                if (socket is null) continue;
                var b = positions[i] < prefix.Length ? prefix[positions[i]] : (byte)'a';
                try
                {
                    socket.Send([b]);
                    positions[i]++;
                    bytes++;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // The watcher sees the close and reopens the slot.
                }
            }
            if (allOpenAfter == TimeSpan.Zero && opening.IsCompleted) allOpenAfter = clock.Elapsed;
            try
            {
                await Task.Delay(tick, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break; // window over
            }
        }
        await opening;
        var held = slots.Count(s => s is not null && s.Connected);
        foreach (var s in slots) s?.Dispose();
        await Task.WhenAll(watchers); // each ends with the window (its receive is cancelled); none is left unobserved
        return new AttackOutcome($"{connections} conns, {Rate(opened, duration)} opens, {Rate(bytes, duration)} bytes",
            $"held open at end {held} of {connections} (all open after {(allOpenAfter == TimeSpan.Zero ? "never" : allOpenAfter.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s")}); " +
            $"closed by daemon {closedByDaemon}; connect failures {connectFailed}");
    }
}
