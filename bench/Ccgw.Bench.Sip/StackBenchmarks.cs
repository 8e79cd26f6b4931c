using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Ccgw.Sip;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;

namespace Ccgw.Bench.Sip;

/// <summary>
/// "Datagram in → response bytes out" through the real stack (parser, validator, transaction layer, UA core, writer)
/// with the kernel's sendto replaced by a sink, so the figure is the stack's own work per OPTIONS, as issue 21 asks.
/// Each operation carries a fresh branch (a new transaction, as sipp's calls do); Timer J runs at 64 ms (T1 = 1 ms)
/// so finished transactions leave as they would, only sooner.
/// </summary>
[MemoryDiagnoser]
public class SipStackBenchmarks
{
    private const string BranchPrefix = "z9hG4bK-bench-";

    private static readonly byte[] OptionsTemplate = Encoding.ASCII.GetBytes(string.Join("\r\n",
        "OPTIONS sip:alice@127.0.0.1:5060 SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=" + BranchPrefix + "0000000000;rport",
        "From: <sip:sipp@127.0.0.1:5070>;tag=4711opt1",
        "To: <sip:alice@127.0.0.1:5060>",
        "Call-ID: 1-4711@127.0.0.1",
        "CSeq: 1 OPTIONS",
        "Max-Forwards: 70",
        "Contact: <sip:sipp@127.0.0.1:5070;transport=UDP>",
        "Accept: application/sdp",
        "Content-Length: 0",
        "",
        ""));

    private readonly SipEndPoint _peer = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5070));
    private byte[] _options = null!;
    private int _branchDigits;
    private long _sequence;
    private int _lastResponseBytes;
    private SipStack _stack = null!;

    [GlobalSetup]
    public void Setup()
    {
        _options = (byte[])OptionsTemplate.Clone();
        _branchDigits = Encoding.ASCII.GetString(_options).IndexOf(BranchPrefix, StringComparison.Ordinal) + BranchPrefix.Length;
        var options = new SipStackOptions
        {
            Transport = new SipTransportOptions
            {
                Udp = new IPEndPoint(IPAddress.Loopback, 0),
                Tcp = null,
                DatagramSink = (datagram, _) => _lastResponseBytes = datagram.Length,
            },
            Timers = new SipTimerSettings { T1 = TimeSpan.FromMilliseconds(1) },
        };
        _stack = new SipStack(options, new InMemoryCredentialStore([]), new InMemoryRegistrationStore());
        _stack.Start();
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _stack.DisposeAsync();

    [Benchmark]
    public int OptionsDatagramTo200()
    {
        // A fresh branch in place (ten digits), so every operation is a new transaction and nothing is allocated here.
        var n = ++_sequence;
        for (var i = _branchDigits + 9; i >= _branchDigits; i--)
        {
            _options[i] = (byte)('0' + (int)(n % 10));
            n /= 10;
        }
        _stack.ReceiveDatagram(_options, _peer);
        return _lastResponseBytes;
    }
}
