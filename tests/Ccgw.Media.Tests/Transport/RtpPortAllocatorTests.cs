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
}
