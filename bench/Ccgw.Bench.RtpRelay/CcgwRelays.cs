using System.Net;
using Ccgw.Media.Audio;
using Ccgw.Media.Transport;

namespace Ccgw.Bench.RelayCost;

/// <summary>N two-leg relays in this process, each leg's remote set to its peer as a bridged call's SDP would set it.</summary>
internal static class CcgwRelays
{
    public static async Task ServeAsync(int calls, int peerBase)
    {
        var allocator = new RtpPortAllocator(IPAddress.Loopback, 44000, 44000 + (calls * 4) + 99);
        var legs = new List<RtpLeg>(calls * 2);
        var relays = new List<RtpRelay>(calls);
        var format = new RelayLegFormat(G711Codec.Pcmu, 0, 101);
        for (var i = 0; i < calls; i++)
        {
            var a = new RtpLeg(allocator.Allocate(), TimeProvider.System);
            var b = new RtpLeg(allocator.Allocate(), TimeProvider.System);
            a.SetRemote(new IPEndPoint(IPAddress.Loopback, peerBase + (2 * i)));
            b.SetRemote(new IPEndPoint(IPAddress.Loopback, peerBase + (2 * i) + 1));
            relays.Add(new RtpRelay(a, format, b, format));
            a.Start();
            b.Start();
            legs.Add(a);
            legs.Add(b);
            Console.WriteLine($"call {i} a={a.LocalRtpPort} b={b.LocalRtpPort}");
        }
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        Console.WriteLine($"forwarded {relays.Sum(r => r.ForwardedAToB + r.ForwardedBToA)} dropped {relays.Sum(r => r.Dropped)}");
        foreach (var r in relays) r.Dispose();
        foreach (var l in legs) await l.DisposeAsync();
    }
}
