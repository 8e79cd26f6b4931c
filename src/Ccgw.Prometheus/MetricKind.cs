namespace Ccgw.Prometheus;

/// <summary>The Prometheus type written in the <c># TYPE</c> line.</summary>
internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>How measurements of one instrument are folded into a series value.</summary>
internal enum Aggregation
{
    /// <summary>Counter / UpDownCounter: measurements are deltas.</summary>
    Sum,

    /// <summary>Synchronous Gauge: the last measurement wins.</summary>
    LastValue,

    /// <summary>Observable instruments: each collection reports the current values; unreported series vanish.</summary>
    Observed,

    /// <summary>Histogram: measurements are bucketed.</summary>
    Histogram,
}
