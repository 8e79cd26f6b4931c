using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>Hostile byte streams after a valid CONNECT: the connection ends or carries on, the broker never faults or hangs.</summary>
public sealed class BrokerFuzzTests
{
    [Fact]
    public async Task Random_bytes_after_connect_never_fault_the_connection_loop()
    {
        await using var f = new BrokerFixture();
        var gen = from bytes in Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf().Resize(200)
                  from version in Gen.Elements(MqttProtocolVersion.V311, MqttProtocolVersion.V500)
                  select (bytes, version);
        var samples = gen.Sample(60);
        var i = 0;
        foreach (var (bytes, version) in samples)
        {
            var client = await f.ConnectedAsync($"fuzz-{i++}", version: version);
            await client.SendRawAsync(bytes);
            await client.AbortAsync(); // completes only if HandleConnectionAsync returned normally
            Assert.True(client.BrokerTask.IsCompletedSuccessfully);
            await client.DisposeAsync();
            Assert.True(f.Time.ActiveTimers == 0, $"timer left after {Convert.ToHexString(bytes)} v{version}");
        }
        Assert.Equal(0, f.Broker.ConnectedClients);
        Assert.Equal(0, f.Broker.SessionCount);
        Assert.Equal(0, f.Time.ActiveTimers); // keep-alive, connect, close and session timers were all released
    }
}
