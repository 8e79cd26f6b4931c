using System.Net;
using Ccgw.Sip.Dns;
using DnsClient;
using DnsClient.Protocol;
using Ccgw.Testing;

namespace Ccgw.Sip.Tests.Dns;

/// <summary>
/// The DNS lookups SIP makes (DnsClient under <see cref="SipDnsClient"/>) against scripted servers on 127.0.0.1.
/// The cache runs on a <see cref="ManualTimeProvider"/>; DnsClient's try timeout is real time, so it is shortened.
/// </summary>
public sealed class SipDnsClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    // Long enough for a loaded machine to answer from loopback, short enough for the silent-server tests.
    private static readonly TimeSpan ShortTry = TimeSpan.FromSeconds(1);

    private static SipDnsClient Client(params FakeDnsServer[] servers) => Client(new ManualTimeProvider(), servers);

    private static SipDnsClient Client(TimeProvider time, params FakeDnsServer[] servers) => new([.. servers.Select(s => s.EndPoint)], time, ShortTry, log: null);

    private static IPAddress? Address(IReadOnlyList<DnsResourceRecord> records) => records.OfType<AddressRecord>().FirstOrDefault()?.Address;

    [Fact]
    public async Task An_answer_is_cached_for_its_TTL_and_asked_again_after()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7", ttl: 30)])] };
        var time = new ManualTimeProvider();
        var client = Client(time, server);

        var (outcome, records) = await client.QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(DnsOutcome.Answered, outcome);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), Address(records));
        await client.QueryAsync("PBX.test.", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(1, server.UdpQueries);

        time.Advance(TimeSpan.FromSeconds(31));
        await client.QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(2, server.UdpQueries);
    }

    [Fact]
    public async Task An_answer_of_TTL_zero_is_not_kept()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7", ttl: 0)])] };
        var client = Client(server);
        await client.QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        await client.QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(2, server.UdpQueries);
    }

    [Fact]
    public async Task The_cache_stays_within_its_bound()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7")])] };
        var client = new SipDnsClient([server.EndPoint], new ManualTimeProvider(), ShortTry, log: null) { CacheCapacity = 4 };
        for (var i = 0; i < 10; i++) await client.QueryAsync($"h{i}.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(4, client.CachedCount);
    }

    [Fact]
    public async Task A_response_with_another_id_is_never_taken_and_the_query_is_asked_again()
    {
        var first = 0;
        await using var server = new FakeDnsServer
        {
            OnUdp = (q, _) => Interlocked.Increment(ref first) == 1
                ? [FakeDnsServer.Reply(q, [FakeDnsServer.A("198.51.100.1")], id: (ushort)(BitConverter.ToUInt16(q) ^ 0x5555))]
                : [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.7")])],
        };
        var (_, records) = await Client(server).QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), Address(records));
        Assert.Equal(2, server.UdpQueries);
    }

    [Fact]
    public async Task A_response_to_another_question_is_dropped_and_the_next_server_asked()
    {
        await using var evil = new FakeDnsServer
        {
            OnUdp = (q, _) =>
            {
                // Our ID, but the question is evil.test: RFC 5452 §9.1 says drop it.
                var forged = FakeDnsServer.Reply(q, [FakeDnsServer.A("198.51.100.2")]);
                var name = FakeDnsServer.Name("evil.test");
                return [[.. forged[..12], .. name, .. forged[(12 + FakeDnsServer.Name("pbx.test").Length)..]]];
            },
        };
        await using var good = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.9")])] };
        var (_, records) = await Client(evil, good).QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(IPAddress.Parse("192.0.2.9"), Address(records));
    }

    [Fact]
    public async Task A_truncated_answer_is_asked_again_over_TCP()
    {
        await using var server = new FakeDnsServer
        {
            OnUdp = (q, _) => [FakeDnsServer.Reply(q, truncated: true)],
            OnTcp = (q, _) => FakeDnsServer.Reply(q, [.. Enumerable.Range(1, 40).Select(i => FakeDnsServer.Srv(10, 10, 5060, $"pbx{i}.test"))]),
        };
        var (_, records) = await Client(server).QueryAsync("_sip._udp.pbx.test", QueryType.SRV, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(40, records.Count);
        Assert.Equal(1, server.TcpQueries);
    }

    [Fact]
    public async Task SERVFAIL_makes_the_client_ask_the_next_server()
    {
        await using var failing = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, rcode: 2)] };
        await using var good = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.9")])] };
        var (outcome, _) = await Client(failing, good).QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(DnsOutcome.Answered, outcome);
        Assert.Equal(1, failing.UdpQueries);
    }

    [Fact]
    public async Task NXDOMAIN_is_an_answer_and_the_next_server_is_not_asked()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, rcode: 3)] };
        await using var other = new FakeDnsServer();
        var (outcome, _) = await Client(server, other).QueryAsync("_sip._udp.nothere.test", QueryType.SRV, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(DnsOutcome.NameError, outcome);
        Assert.Equal(0, other.UdpQueries);
    }

    [Fact]
    public async Task An_empty_answer_is_no_data()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q)] };
        Assert.Equal(DnsOutcome.NoData, (await Client(server).QueryAsync("pbx.test", QueryType.SRV, CancellationToken.None).WaitAsync(Patience)).Outcome);
    }

    [Fact]
    public async Task A_silent_server_is_tried_twice_then_the_next_one()
    {
        await using var silent = new FakeDnsServer();
        await using var good = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, [FakeDnsServer.A("192.0.2.9")])] };
        var (outcome, _) = await Client(silent, good).QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(DnsOutcome.Answered, outcome);
        Assert.Equal(2, silent.UdpQueries);
    }

    [Fact]
    public async Task No_answer_from_any_server_is_a_failure_that_is_not_cached()
    {
        await using var silent = new FakeDnsServer();
        var client = Client(silent);
        Assert.Equal(DnsOutcome.Failed, (await client.QueryAsync("pbx.test", QueryType.A, CancellationToken.None).WaitAsync(Patience)).Outcome);
        Assert.Equal(0, client.CachedCount);
        Assert.Equal(2, silent.UdpQueries);
    }

    [Fact]
    public async Task Without_servers_every_lookup_fails_at_once()
    {
        var client = new SipDnsClient([], new ManualTimeProvider());
        Assert.Equal(DnsOutcome.Failed, (await client.QueryAsync("pbx.test", QueryType.SRV, CancellationToken.None)).Outcome);
    }

    [SkippableFact]
    public void The_nameserver_lines_of_resolv_conf_are_the_default_servers()
    {
        const string path = "/etc/resolv.conf";
        Skip.IfNot(File.Exists(path), "no /etc/resolv.conf on this machine");
        var expected = File.ReadLines(path)
            .Select(l => l.Split('#', ';')[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length >= 2 && w[0] == "nameserver" && IPAddress.TryParse(w[1], out _))
            .Select(w => new IPEndPoint(IPAddress.Parse(w[1]), 53))
            .ToList();
        Assert.Equal(expected, SipDnsClient.SystemServers());
    }
}
