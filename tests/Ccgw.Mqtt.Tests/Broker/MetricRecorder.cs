using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>Sums the counters of one broker's meter (other brokers in parallel tests are ignored).</summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();

    public MetricRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _totals.AddOrUpdate(instrument.Name, value, (_, old) => old + value);
            foreach (var tag in tags)
                _totals.AddOrUpdate($"{instrument.Name}[{tag.Value}]", value, (_, old) => old + value);
        });
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _totals[instrument.Name] = value);
        _listener.Start();
    }

    public long this[string name]
    {
        get
        {
            _listener.RecordObservableInstruments();
            return _totals.GetValueOrDefault(name);
        }
    }

    public void Dispose() => _listener.Dispose();
}
