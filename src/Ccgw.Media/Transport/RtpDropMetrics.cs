using System.Diagnostics.Metrics;

namespace Ccgw.Media.Transport;

/// <summary>
/// Counts RTP datagrams the legs drop on receipt, by reason, for all legs of a process:
/// <c>ccgw.media.rtp_dropped_packets</c> (exported as <c>ccgw_media_rtp_dropped_packets_total{reason}</c>).
/// <c>source</c>: a valid packet from anyone but the latched peer (a stranger listening in or injecting, or the peer's
/// host from a new port while the latched one is alive); <c>invalid</c>: not RTP at all. The legs increment plain
/// counters (an attack's flood costs one interlocked add per datagram); the scrape reads them.
/// </summary>
public sealed class RtpDropMetrics
{
    private long _source;
    private long _invalid;

    /// <param name="meters">Creates the "Ccgw.Media" meter (owned and disposed by the factory, as the host's is).</param>
    public RtpDropMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create("Ccgw.Media");
        meter.CreateObservableCounter("ccgw.media.rtp_dropped_packets", Observe, "{packet}",
            "RTP datagrams dropped on receipt, by reason: source (not from the latched peer: strict source), invalid (not RTP)");
    }

    public long Source => Interlocked.Read(ref _source);
    public long Invalid => Interlocked.Read(ref _invalid);

    internal void CountSource() => Interlocked.Increment(ref _source);
    internal void CountInvalid() => Interlocked.Increment(ref _invalid);

    private IEnumerable<Measurement<long>> Observe() =>
    [
        new(Source, new KeyValuePair<string, object?>("reason", "source")),
        new(Invalid, new KeyValuePair<string, object?>("reason", "invalid")),
    ];
}
