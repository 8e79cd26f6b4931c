using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Tests.Interop;

/// <summary>The real stack on loopback (UDP and TCP on one free port) with alice/demo-alice in realm localhost.</summary>
public sealed class InteropStackFixture : IAsyncLifetime
{
    public SipStack Stack { get; private set; } = null!;

    public InMemoryRegistrationStore Registrations { get; } = new();

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var options = new SipStackOptions
            {
                Transport = new SipTransportOptions
                {
                    Udp = new IPEndPoint(IPAddress.Loopback, port),
                    Tcp = new IPEndPoint(IPAddress.Loopback, port),
                },
            };
            var credentials = new InMemoryCredentialStore([SipCredentials.FromPassword("alice", "localhost", "demo-alice")]);
            var stack = new SipStack(options, credentials, Registrations, TimeProvider.System);
            try
            {
                stack.Start();
                Stack = stack;
                Port = port;
                return;
            }
            catch (SocketException) when (attempt < 5)
            {
                await stack.DisposeAsync();
            }
        }
    }

    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}
