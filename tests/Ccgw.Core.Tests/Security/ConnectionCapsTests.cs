using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Ccgw.Core.Security;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Tests.Security;

/// <summary>The per-listener caps every TCP listener asks right after accept.</summary>
public sealed class ConnectionCapsTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress Office = IPAddress.Parse("203.0.113.7");

    [Fact]
    public void One_address_beyond_its_share_is_refused_while_another_is_still_admitted()
    {
        var caps = new ConnectionCaps("xmpp", maxTotal: 10, maxPerAddress: 3, new EventLog());
        var held = Enumerable.Range(0, 3).Select(i => caps.TryAdmit(Flooder, out _)).ToList();
        Assert.All(held, Assert.NotNull);

        Assert.Null(caps.TryAdmit(Flooder, out var refusal));
        Assert.Equal(ConnectionRefusal.PerAddress, refusal);
        Assert.NotNull(caps.TryAdmit(Office, out refusal));
        Assert.Equal(ConnectionRefusal.None, refusal);
    }

    [Fact]
    public void Ending_a_connection_gives_its_place_back_once_even_if_disposed_twice()
    {
        var caps = new ConnectionCaps("mqtt", maxTotal: 10, maxPerAddress: 1, new EventLog());
        var lease = caps.TryAdmit(Flooder, out _)!;
        Assert.Null(caps.TryAdmit(Flooder, out _));
        lease.Dispose();
        lease.Dispose();
        Assert.Equal(0, caps.OpenConnections);
        Assert.NotNull(caps.TryAdmit(Flooder, out _));
        Assert.Null(caps.TryAdmit(Flooder, out _));
    }

    [Fact]
    public void The_total_is_capped_across_addresses_and_unknown_addresses_count_in_it()
    {
        var caps = new ConnectionCaps("http", maxTotal: 2, maxPerAddress: 2, new EventLog());
        Assert.NotNull(caps.TryAdmit(null, out _));
        Assert.NotNull(caps.TryAdmit(Office, out _));
        Assert.Null(caps.TryAdmit(Flooder, out var refusal));
        Assert.Equal(ConnectionRefusal.Total, refusal);
    }

    [Fact]
    public void An_ipv4_mapped_address_shares_the_ipv4_address_share()
    {
        var caps = new ConnectionCaps("http", maxTotal: 10, maxPerAddress: 1, new EventLog());
        Assert.NotNull(caps.TryAdmit(Flooder, out _));
        Assert.Null(caps.TryAdmit(Flooder.MapToIPv6(), out var refusal));
        Assert.Equal(ConnectionRefusal.PerAddress, refusal);
    }

    [Fact]
    public void A_flood_is_logged_once_per_episode_and_every_refusal_is_counted()
    {
        var log = new EventLog();
        using var meter = new Meter("test.caps");
        var caps = new ConnectionCaps("sip-tcp", maxTotal: 100, maxPerAddress: 1, log, meter);
        long refused = 0;
        string? labels = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            refused += value;
            labels = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
        });
        listener.Start();

        var first = caps.TryAdmit(Flooder, out _)!;
        for (var i = 0; i < 50; i++) Assert.Null(caps.TryAdmit(Flooder, out _));
        Assert.Equal(50, refused);
        Assert.Equal("listener=sip-tcp,reason=per_address", labels);
        Assert.Single(log.Events, 16700);

        // Admitted again, then flooding again: a new episode, a new line.
        first.Dispose();
        Assert.NotNull(caps.TryAdmit(Flooder, out _));
        Assert.Null(caps.TryAdmit(Flooder, out _));
        Assert.Equal(2, log.Events.Count(e => e == 16700));
    }

    private sealed class EventLog : ILogger
    {
        public ConcurrentQueue<int> Events { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Events.Enqueue(eventId.Id);
    }
}
