using System.Diagnostics.Metrics;
using System.Net;
using Ccgw.Sip.Core;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Sip.Tests.Core;

/// <summary>The per-source request limit (Kamailio's pike): window, block, release, exemption, counters.</summary>
public sealed class SipPikeTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("198.51.100.9");
    private static readonly IPAddress Phone = IPAddress.Parse("203.0.113.20");
    private static readonly SipPikeSettings Settings = new() { Requests = 5, Window = TimeSpan.FromSeconds(2), Block = TimeSpan.FromSeconds(60) };

    [Fact]
    public void Too_many_requests_in_a_window_block_the_source_for_the_block_time_and_only_it()
    {
        var time = new ManualTimeProvider();
        var pike = new SipPike(Settings, time, NullLogger.Instance, null);
        for (var i = 0; i < 5; i++) Assert.True(pike.Allow(Flooder));
        Assert.False(pike.Allow(Flooder));
        Assert.True(pike.Allow(Phone));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(pike.Allow(Flooder));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(pike.Allow(Flooder));
    }

    [Fact]
    public void A_steady_rate_under_the_limit_is_never_blocked()
    {
        var time = new ManualTimeProvider();
        var pike = new SipPike(Settings, time, NullLogger.Instance, null);
        for (var window = 0; window < 100; window++)
        {
            for (var i = 0; i < 5; i++) Assert.True(pike.Allow(Phone));
            time.Advance(TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public void Exempt_sources_and_a_limit_of_zero_are_never_blocked()
    {
        var time = new ManualTimeProvider();
        var exempt = new SipPike(Settings with { IsExempt = a => a.Equals(Flooder) }, time, NullLogger.Instance, null);
        var off = new SipPike(SipPikeSettings.Off, time, NullLogger.Instance, null);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(exempt.Allow(Flooder));
            Assert.True(off.Allow(Flooder));
        }
    }

    [Fact]
    public void Every_dropped_request_and_every_block_is_counted()
    {
        using var meter = new Meter("test.pike");
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value);
        listener.Start();
        var pike = new SipPike(Settings, new ManualTimeProvider(), NullLogger.Instance, meter);

        for (var i = 0; i < 25; i++) pike.Allow(Flooder);

        Assert.Equal(20, counts["ccgw.sip.pike.dropped"]);
        Assert.Equal(1, counts["ccgw.sip.pike.blocks"]);
    }
}
