using System.Net;
using System.Net.Sockets;

namespace Ccgw.Testing;

/// <summary>Loopback ports that were free a moment ago (the OS picks them), for daemons started by tests.</summary>
public static class FreePorts
{
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free for both TCP and UDP (SIP listens on both).</summary>
    public static int TcpAndUdp()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Tcp();
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken on UDP; try another.
            }
        }
        throw new InvalidOperationException("no port free for both TCP and UDP");
    }

    /// <summary>An even UDP port whose successor is free too (an RTP/RTCP pair).</summary>
    public static int UdpPair()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)probe.LocalEndPoint!).Port & ~1;
            if (port < 1024) continue;
            probe.Close();
            try
            {
                using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                using var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                a.Bind(new IPEndPoint(IPAddress.Loopback, port));
                b.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                return port;
            }
            catch (SocketException)
            {
                // Try another pair.
            }
        }
        throw new InvalidOperationException("no free even UDP port pair");
    }
}
