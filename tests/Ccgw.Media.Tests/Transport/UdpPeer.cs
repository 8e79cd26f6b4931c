using System.Net;
using System.Net.Sockets;

namespace Ccgw.Media.Tests.Transport;

/// <summary>A test endpoint on loopback that sends datagrams and awaits them with a bounded wait.</summary>
internal sealed class UdpPeer : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public UdpPeer(int port = 0, IPAddress? address = null) => _socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, port));

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void SendTo(int port, byte[] datagram) => _socket.SendTo(datagram, new IPEndPoint(IPAddress.Loopback, port));

    public async Task<byte[]> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[2048];
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return buffer[..result.ReceivedBytes];
    }

    public void Dispose() => _socket.Dispose();
}
