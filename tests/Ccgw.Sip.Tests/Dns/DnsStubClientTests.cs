using System.Net;
using Ccgw.Sip.Dns;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Dns;

/// <summary>The stub client against scripted servers on 127.0.0.1; time (timeouts, TTLs) is a <see cref="ManualTimeProvider"/>.</summary>
public sealed class DnsStubClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_answer_is_cached_for_its_TTL_and_asked_again_after()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7", ttl: 30)])] };
        var time = new ManualTimeProvider();
        var client = new DnsStubClient([server.EndPoint], time);

        var first = await client.QueryAsync("pbx.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(DnsOutcome.Answered, first.Outcome);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), Assert.Single(first.Records).Address);
        await client.QueryAsync("PBX.test.", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(1, server.UdpQueries);

        time.Advance(TimeSpan.FromSeconds(31));
        await client.QueryAsync("pbx.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(2, server.UdpQueries);
    }

    [Fact]
    public async Task The_cache_stays_within_its_bound()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7")])] };
        var client = new DnsStubClient([server.EndPoint], new ManualTimeProvider()) { CacheCapacity = 4 };
        for (var i = 0; i < 10; i++) await client.QueryAsync($"h{i}.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(4, client.CachedCount);
    }

    [Fact]
    public async Task Responses_with_another_id_or_question_are_dropped_and_the_real_one_taken()
    {
        await using var server = new FakeDnsServer
        {
            OnUdp = (q, question) =>
            [
                FakeDnsServer.Reply(q, [FakeDnsServer.A("198.51.100.1")], id: (ushort)(BitConverter.ToUInt16(q) ^ 0x5555)),
                FakeDnsServer.Reply(DnsCodec.EncodeQuery(BitConverter.ToUInt16(q), "evil.test", question.Type), [FakeDnsServer.A("198.51.100.2")]),
                [0xC0, 0xFF, 0x00],
                FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7")]),
            ],
        };
        var client = new DnsStubClient([server.EndPoint], new ManualTimeProvider());
        var answer = await client.QueryAsync("pbx.test", DnsRecordType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), Assert.Single(answer.Records).Address);
    }

    [Fact]
    public async Task A_truncated_answer_is_asked_again_over_TCP()
    {
        await using var server = new FakeDnsServer
        {
            OnUdp = (q, _) => [FakeDnsServer.Reply(q, truncated: true)],
            OnTcp = (q, _) => FakeDnsServer.Reply(q, [.. Enumerable.Range(1, 40).Select(i => FakeDnsServer.Srv(10, 10, 5060, $"pbx{i}.test"))]),
        };
        var client = new DnsStubClient([server.EndPoint], new ManualTimeProvider());
        var answer = await client.QueryAsync("_sip._udp.pbx.test", DnsRecordType.Srv, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(40, answer.Records.Count);
        Assert.Equal(1, server.TcpQueries);
    }

    [Fact]
    public async Task SERVFAIL_makes_the_client_ask_the_next_server()
    {
        await using var failing = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, rcode: 2)] };
        await using var good = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.9")])] };
        var client = new DnsStubClient([failing.EndPoint, good.EndPoint], new ManualTimeProvider());
        var answer = await client.QueryAsync("pbx.test", DnsRecordType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(DnsOutcome.Answered, answer.Outcome);
        Assert.Equal(1, failing.UdpQueries);
    }

    [Fact]
    public async Task NXDOMAIN_is_an_answer_and_cached_by_the_SOA_while_the_next_server_is_not_asked()
    {
        // SOA in the authority section: TTL 600, MINIMUM 120 → cached min(120, cap 300) s (RFC 2308 §5).
        byte[] soaData = [.. FakeDnsServer.Name("ns.test"), .. FakeDnsServer.Name("admin.test"), .. new byte[16], 0, 0, 0, 120];
        await using var server = new FakeDnsServer
        {
            OnUdp = (q, _) =>
            {
                var reply = FakeDnsServer.Reply(q, [FakeDnsServer.Record(DnsRecordType.Soa, soaData, ttl: 600)], rcode: 3);
                (reply[7], reply[9]) = (0, 1); // the record belongs in the authority section
                return [reply];
            },
        };
        await using var other = new FakeDnsServer();
        var time = new ManualTimeProvider();
        var client = new DnsStubClient([server.EndPoint, other.EndPoint], time);
        var answer = await client.QueryAsync("_sip._udp.nothere.test", DnsRecordType.Srv, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(DnsOutcome.NameError, answer.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(120), answer.TimeToLive);
        Assert.Equal(0, other.UdpQueries);
        time.Advance(TimeSpan.FromSeconds(119));
        await client.QueryAsync("_sip._udp.nothere.test", DnsRecordType.Srv, CancellationToken.None);
        Assert.Equal(1, server.UdpQueries);
    }

    [Fact]
    public async Task A_silent_server_is_tried_twice_for_two_seconds_each_then_the_next_one()
    {
        await using var silent = new FakeDnsServer();
        await using var good = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.9")])] };
        var time = new ManualTimeProvider();
        var client = new DnsStubClient([silent.EndPoint, good.EndPoint], time);
        var query = client.QueryAsync("pbx.test", DnsRecordType.A, CancellationToken.None);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            Assert.True(await silent.Received.WaitAsync(Patience));
            Assert.False(query.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(2));
        }
        var answer = await query.WaitAsync(Patience);
        Assert.Equal(DnsOutcome.Answered, answer.Outcome);
        Assert.Equal(2, silent.UdpQueries);
    }

    [Fact]
    public async Task No_answer_from_any_server_is_a_failure_that_is_not_cached()
    {
        await using var silent = new FakeDnsServer();
        var time = new ManualTimeProvider();
        var client = new DnsStubClient([silent.EndPoint], time);
        var query = client.QueryAsync("pbx.test", DnsRecordType.A, CancellationToken.None);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            Assert.True(await silent.Received.WaitAsync(Patience));
            time.Advance(TimeSpan.FromSeconds(2));
        }
        Assert.Equal(DnsOutcome.Failed, (await query.WaitAsync(Patience)).Outcome);
        Assert.Equal(0, client.CachedCount);
    }

    [Fact]
    public async Task Without_servers_every_lookup_fails_at_once()
    {
        var client = new DnsStubClient([], new ManualTimeProvider());
        Assert.Equal(DnsOutcome.Failed, (await client.QueryAsync("pbx.test", DnsRecordType.Srv, CancellationToken.None)).Outcome);
    }

    [Fact]
    public void The_nameserver_lines_of_resolv_conf_are_the_default_servers()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver\t2001:db8::53 # v6\nnameservers 9.9.9.9\nnameserver bogus\noptions ndots:2\n");
            Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53), new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53)],
                DnsStubClient.ReadResolvConf(path));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Empty(DnsStubClient.ReadResolvConf("/nonexistent/resolv.conf"));
    }
}
