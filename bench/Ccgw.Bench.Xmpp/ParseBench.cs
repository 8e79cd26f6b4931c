using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Ccgw.Xmpp.Xml;

/// <summary>
/// `parse` mode: the stream parser alone, fed through a real <see cref="Pipe"/> the way C2sConnection feeds it
/// (unconsumed bytes stay in the pipe). Prints CPU time, bytes the parser examined and allocation for
///   drip:   a 200 KiB stanza one byte per read (the slow-drip peer of issue 14);
///   normal: small message stanzas in 1,500- and 4,096-byte reads (the common case, which must not get slower).
/// Only the measurements whose name contains FILTER run (all by default).
/// </summary>
internal static class ParseBench
{
    private const string Header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

    public static async Task RunAsync(int rounds, string filter)
    {
        var body = new StringBuilder();
        while (body.Length < 200 * 1024) body.Append("the quick brown fox jumps over the lazy dog &amp; cat ");
        var big = Encoding.UTF8.GetBytes(Header + $"<message to='bob@localhost' type='chat' id='m1'><body>{body}</body></message>");
        var roster = new StringBuilder();
        for (var i = 0; roster.Length < 200 * 1024; i++)
            roster.Append(CultureInfo.InvariantCulture, $"<item jid='user{i}@example.com' name='User {i}' subscription='both'><group>Team {i % 7}</group></item>\n");
        var bigRoster = Encoding.UTF8.GetBytes(Header + $"<iq type='result' id='r1'><query xmlns='jabber:iq:roster'>{roster}</query></iq>");
        var messages = new StringBuilder(Header);
        const int count = 20_000;
        for (var i = 0; i < count; i++)
            messages.Append(CultureInfo.InvariantCulture,
                $"<message to='bob@localhost/phone' type='chat' id='m{i}' xml:lang='en'><body>Hello, when does my call-back come? Ticket {i} &amp; more</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
        var normal = Encoding.UTF8.GetBytes(messages.ToString());

        for (var r = 0; r < rounds; r++)
        {
            await MeasureAsync("drip message 200 KiB, 1 B/read", big, 1, 2, filter);
            await MeasureAsync("drip roster 200 KiB, 1 B/read", bigRoster, 1, 2, filter);
            await MeasureAsync("normal 20k messages, 1500 B/read", normal, 1500, count + 1, filter);
            await MeasureAsync("normal 20k messages, 4096 B/read", normal, 4096, count + 1, filter);
        }
    }

    private static async Task MeasureAsync(string name, byte[] bytes, int readSize, int expectedEvents, string filter)
    {
        if (!name.Contains(filter, StringComparison.Ordinal)) return;
        var parser = new XmlStreamParser();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        var events = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        for (var at = 0; at < bytes.Length; at += readSize)
        {
            var n = Math.Min(readSize, bytes.Length - at);
            bytes.AsSpan(at, n).CopyTo(pipe.Writer.GetSpan(n));
            pipe.Writer.Advance(n);
            await pipe.Writer.FlushAsync();
            if (!pipe.Reader.TryRead(out var result)) throw new InvalidOperationException("nothing to read");
            var buffer = result.Buffer;
            while (parser.TryRead(ref buffer, out _)) events++;
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
        var elapsed = clock.Elapsed;
        var cpuUsed = Environment.CpuUsage.TotalTime - cpu;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (events != expectedEvents) throw new InvalidOperationException($"{name}: {events} events, expected {expectedEvents}");
        Console.WriteLine(FormattableString.Invariant(
            $"parse {name}: bytes={bytes.Length} wall_ms={elapsed.TotalMilliseconds:F1} cpu_ms={cpuUsed.TotalMilliseconds:F1} examined={parser.BytesExamined} per_byte={parser.BytesExamined / (double)bytes.Length:F2} alloc_bytes_per_event={allocated / (double)events:F0} ns_per_event={elapsed.TotalNanoseconds / events:F0}"));
    }
}
