using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Ccgw.Media.Audio;
using Ccgw.Media.Rtp;
using Ccgw.Media.Transport;

namespace Ccgw.Bench.Media;

/// <summary>
/// A packet through the real relay over loopback UDP: peer A sends, the gateway receives on leg A, rewrites,
/// sends from leg B, peer B receives. Allocations here cover every thread (sockets, relay and peers).
/// </summary>
[MemoryDiagnoser]
public class LoopbackRelayBenchmarks
{
    private readonly byte[] _packet = new byte[172];
    private readonly byte[] _receive = new byte[2048];
    private Socket _peerA = null!;
    private Socket _peerB = null!;
    private SocketAddress _legAAddress = null!;
    private SocketAddress _from = null!;
    private RtpLeg _legA = null!;
    private RtpLeg _legB = null!;
    private RtpRelay _relay = null!;

    [GlobalSetup]
    public void Setup()
    {
        var allocator = new RtpPortAllocator(IPAddress.Loopback, 40000, 40999);
        _legA = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        _legB = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        _peerA = Bound();
        _peerB = Bound();
        _legB.SetRemote((IPEndPoint)_peerB.LocalEndPoint!);
        var format = new RelayLegFormat(G711Codec.Pcmu, 0, 101);
        _relay = new RtpRelay(_legA, format, _legB, format);
        _legA.Start();
        _legB.Start();
        _legAAddress = new IPEndPoint(IPAddress.Loopback, _legA.LocalRtpPort).Serialize();
        _from = new SocketAddress(AddressFamily.InterNetwork);
        RtpWriter.Write(_packet, new RtpHeader(0, 1, 160, 0x1234), new byte[160]);
    }

    /// <summary>Pooled builder: the benchmark's own await must not show up as the relay's allocation.</summary>
    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> RelayRoundTripOverLoopback()
    {
        _peerA.SendTo(_packet, SocketFlags.None, _legAAddress);
        return await _peerB.ReceiveFromAsync(_receive.AsMemory(), SocketFlags.None, _from);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _relay.Dispose();
        await _legA.DisposeAsync();
        await _legB.DisposeAsync();
        _peerA.Dispose();
        _peerB.Dispose();
    }

    private static Socket Bound()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return s;
    }
}
