using System.Net;
using Ccgw.Media.Transport;
using Ccgw.Testing;

namespace Ccgw.Media.Tests.Transport;

public sealed class RtpPortAllocatorTests
{
    [Fact]
    public void Allocates_even_rtp_with_odd_rtcp_reports_exhaustion_and_reuses_released_pairs()
    {
        var port = FreePorts.UdpPair();
        var allocator = new RtpPortAllocator(IPAddress.Loopback, port, port + 1);
        Assert.Equal(1, allocator.Capacity);

        var pair = allocator.Allocate();
        Assert.Equal(port, pair.RtpPort);
        Assert.Equal(0, pair.RtpPort % 2);
        Assert.Equal(port + 1, pair.RtcpPort);
        Assert.False(allocator.TryAllocate(out _));
        var e = Assert.Throws<RtpPortsExhaustedException>(() => allocator.Allocate());
        Assert.Contains($"{port}-{port + 1}", e.Message);

        pair.Dispose();
        pair.Dispose(); // idempotent: must not free a slot twice
        Assert.Equal(0, allocator.InUse);
        using var again = allocator.Allocate();
        Assert.Equal(port, again.RtpPort);
    }

    [Fact]
    public void Pair_taken_by_someone_else_is_skipped()
    {
        var port = FreePorts.UdpPair();
        var first = new RtpPortAllocator(IPAddress.Loopback, port, port + 1);
        using var taken = first.Allocate();
        var second = new RtpPortAllocator(IPAddress.Loopback, port, port + 1);
        Assert.False(second.TryAllocate(out _));
        Assert.Equal(0, second.InUse);
    }

    [Fact]
    public void Odd_start_is_rounded_up_to_even()
    {
        var allocator = new RtpPortAllocator(IPAddress.Loopback, 20001, 20999);
        Assert.Equal(20002, allocator.FirstPort);
        Assert.Equal(499, allocator.Capacity);
        Assert.Throws<ArgumentException>(() => new RtpPortAllocator(IPAddress.Loopback, 20000, 20000));
    }

    [Fact]
    public void Pairs_are_drawn_at_random_not_in_sequence()
    {
        var allocator = Datagrams.Allocator(); // 100 pairs
        var pairs = Enumerable.Range(0, 10).Select(_ => allocator.Allocate()).ToList();
        try
        {
            var ports = pairs.Select(p => p.RtpPort).ToList();
            Assert.All(ports, p => Assert.Equal(0, p % 2));
            Assert.Equal(10, ports.Distinct().Count());
            // Sequential allocation gives p, p+2, p+4, ...; a uniform draw does so with a chance of about 1 in 10^18.
            Assert.False(ports.Zip(ports.Skip(1)).All(t => t.Second == t.First + 2), string.Join(",", ports));
        }
        finally
        {
            foreach (var pair in pairs) pair.Dispose();
        }
        Assert.Equal(0, allocator.InUse);
    }

    [Fact]
    public void Every_free_pair_is_handed_out_once_and_a_released_pair_comes_back()
    {
        var port = FreePorts.UdpPair();
        var allocator = new RtpPortAllocator(IPAddress.Loopback, port, port + 15); // 8 pairs, some may be taken by others
        var pairs = new List<RtpSocketPair>();
        while (allocator.TryAllocate(out var pair)) pairs.Add(pair);
        try
        {
            Assert.NotEmpty(pairs);
            Assert.Equal(pairs.Count, pairs.Select(p => p.RtpPort).Distinct().Count());
            Assert.All(pairs, p => Assert.InRange(p.RtpPort, port, port + 14));
            Assert.Equal(pairs.Count, allocator.InUse);

            var released = pairs[^1].RtpPort;
            pairs[^1].Dispose();
            pairs[^1].Dispose(); // idempotent: the slot is not freed twice
            Assert.Equal(pairs.Count - 1, allocator.InUse);
            pairs[^1] = allocator.Allocate();
            Assert.Equal(released, pairs[^1].RtpPort);
            Assert.False(allocator.TryAllocate(out _));
        }
        finally
        {
            foreach (var pair in pairs) pair.Dispose();
        }
        Assert.Equal(0, allocator.InUse);
    }
}
