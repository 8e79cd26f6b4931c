using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Xml;

// XMPP load tool for ccgw vs Prosody (bench/Ccgw.Bench.Xmpp/run.sh starts both servers and runs this against each).
//   rate HOST PORT DOMAIN PAIRS SECONDS USER1 PASS1 USER2 PASS2   messages/s relayed between PAIRS sender→receiver pairs
//   idle HOST PORT DOMAIN COUNT USER PASS PID                      COUNT idle authenticated connections, server RSS before/after
//   parse [ROUNDS [FILTER]]                                        the stream parser alone (ParseBench.cs): slow drip and normal reads
// Plain TCP with SCRAM-SHA-1 (both servers configured to allow it without TLS), one resource per connection.
var mode = args[0];
if (mode == "parse")
{
    await ParseBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3, args.Length > 2 ? args[2] : "");
    return;
}
var host = args[1];
var port = int.Parse(args[2], CultureInfo.InvariantCulture);
var domain = args[3];
if (mode == "rate")
{
    var pairs = int.Parse(args[4], CultureInfo.InvariantCulture);
    var seconds = int.Parse(args[5], CultureInfo.InvariantCulture);
    var senders = new List<XmppLoadClient>();
    var receivers = new List<XmppLoadClient>();
    for (var i = 0; i < pairs; i++)
    {
        senders.Add(await XmppLoadClient.LoginAsync(host, port, domain, args[6], args[7], $"s{i}"));
        receivers.Add(await XmppLoadClient.LoginAsync(host, port, domain, args[8], args[9], $"r{i}"));
    }
    using var stop = new CancellationTokenSource();
    var tasks = new List<Task>();
    for (var i = 0; i < pairs; i++)
    {
        var (s, r) = (senders[i], receivers[i]);
        tasks.Add(s.SendLoopAsync($"{args[8]}@{domain}/r{i}", r, window: 50, stop.Token));
    }
    // Warm up, then measure.
    await Task.Delay(TimeSpan.FromSeconds(2));
    var start = receivers.Sum(r => r.Received);
    var clock = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var received = receivers.Sum(r => r.Received) - start;
    var elapsed = clock.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    Console.WriteLine(FormattableString.Invariant($"rate pairs={pairs} messages={received} seconds={elapsed:F1} per_second={received / elapsed:F0}"));
    foreach (var c in senders.Concat(receivers)) c.Dispose();
}
else
{
    var count = int.Parse(args[4], CultureInfo.InvariantCulture);
    var pid = int.Parse(args[7], CultureInfo.InvariantCulture);
    var before = Rss(pid);
    var clients = new ConcurrentBag<XmppLoadClient>();
    var failures = 0;
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
    {
        try
        {
            clients.Add(await XmppLoadClient.LoginAsync(host, port, domain, args[5], args[6], $"idle{i}"));
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            Interlocked.Increment(ref failures);
        }
    });
    await Task.Delay(TimeSpan.FromSeconds(5));
    var after = Rss(pid);
    Console.WriteLine(FormattableString.Invariant(
        $"idle connections={clients.Count} failed={failures} rss_before_mb={before / 1048576.0:F1} rss_after_mb={after / 1048576.0:F1} per_connection_kb={(after - before) / 1024.0 / Math.Max(1, clients.Count):F1}"));
    foreach (var c in clients) c.Dispose();
}

static long Rss(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    return 0;
}

/// <summary>A minimal c2s client: plaintext stream, SCRAM-SHA-1, bind; then counts received messages.</summary>
internal sealed class XmppLoadClient : IDisposable
{
    private static readonly ConcurrentDictionary<(string, string, int), byte[]> SaltedCache = new();
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly XmlStreamParser _parser = new();
    private readonly SemaphoreSlim _window = new(0);
    private long _received;
    private Task _readLoop = Task.CompletedTask;

    private XmppLoadClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
    }

    public long Received => Interlocked.Read(ref _received);

    public static async Task<XmppLoadClient> LoginAsync(string host, int port, string domain, string user, string password, string resource)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port);
        var c = new XmppLoadClient(socket);
        var header = $"<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
        await c.WriteAsync(header);
        await c.ExpectAsync("features");
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
        var first = $"n={user},r={nonce}";
        await c.WriteAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>{B64("n,," + first)}</auth>");
        var challenge = Encoding.UTF8.GetString(Convert.FromBase64String((await c.ExpectAsync("challenge")).Value));
        var parts = challenge.Split(',').ToDictionary(p => p[..1], p => p[2..]);
        var salt = Convert.FromBase64String(parts["s"]);
        var iterations = int.Parse(parts["i"], CultureInfo.InvariantCulture);
        var salted = SaltedCache.GetOrAdd((password, parts["s"], iterations), _ => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA1, 20));
#pragma warning disable CA5350 // SCRAM-SHA-1 by definition
        var clientKey = HMACSHA1.HashData(salted, "Client Key"u8);
        var stored = SHA1.HashData(clientKey);
        var withoutProof = $"c=biws,r={parts["r"]}";
        var authMessage = Encoding.UTF8.GetBytes($"{first},{challenge},{withoutProof}");
        var signature = HMACSHA1.HashData(stored, authMessage);
#pragma warning restore CA5350
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        await c.WriteAsync($"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{B64($"{withoutProof},p={Convert.ToBase64String(proof)}")}</response>");
        await c.ExpectAsync("success");
        c._parser.Reset();
        await c.WriteAsync(header);
        await c.ExpectAsync("features");
        await c.WriteAsync($"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>");
        await c.ExpectAsync("iq");
        c._readLoop = Task.Run(c.ReadLoopAsync);
        return c;
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private async Task WriteAsync(string xml) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(xml));

    private async Task<XElement> ExpectAsync(string localName)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var e = await _parser.ReadAsync(_reader, timeout.Token) ?? throw new IOException("stream ended");
            if (e.Kind == XmlStreamEventKind.Element && e.Element!.Name.LocalName == localName) return e.Element;
            if (e.Kind == XmlStreamEventKind.Element && e.Element!.Name.LocalName is "failure" or "error") throw new InvalidOperationException(e.Element.ToString());
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _parser.ReadAsync(_reader) is { } e)
            {
                if (e.Kind == XmlStreamEventKind.Element && e.Element!.Name.LocalName == "message")
                {
                    Interlocked.Increment(ref _received);
                    Partner?._window.Release();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or XmlStreamException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    /// <summary>The sender whose window this receiver opens.</summary>
    private XmppLoadClient? Partner { get; set; }

    public async Task SendLoopAsync(string to, XmppLoadClient receiver, int window, CancellationToken cancellationToken)
    {
        receiver.Partner = this;
        _window.Release(window);
        var n = 0;
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _window.WaitAsync(cancellationToken);
                buffer.ResetWrittenCount();
                var batch = 1;
                while (batch < 16 && _window.Wait(0, CancellationToken.None)) batch++;
                for (var i = 0; i < batch; i++)
                    Encoding.UTF8.GetBytes($"<message to='{to}' type='chat' id='m{n++}'><body>load test message number {n}</body></message>", buffer);
                await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        try
        {
            _stream.Write("</stream:stream>"u8);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        _stream.Dispose();
        _window.Dispose();
    }
}
