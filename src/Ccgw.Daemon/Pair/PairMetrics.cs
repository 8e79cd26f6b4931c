using System.Diagnostics.Metrics;
using Ccgw.Core.Pair;

namespace Ccgw.Daemon.Pair;

/// <summary>
/// <c>ccgw_pair_role{role}</c> (1 for this node's role, 0 for the others), <c>ccgw_pair_lease_age_seconds</c> and
/// <c>ccgw_pair_takeovers_total</c>, observed from the lease at each scrape. Alert on the age: past the lease time, the
/// holder is gone and the standby should be taking over (docs/operations.md).
/// </summary>
internal sealed class PairMetrics : IDisposable
{
    public const string MeterName = "Ccgw.Pair";
    private static readonly PairRole[] Roles = [PairRole.Standby, PairRole.Active, PairRole.Fenced];
    private readonly Meter _meter;

    public PairMetrics(IMeterFactory meters, PairNode pair)
    {
        var lease = pair.Lease;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("ccgw.pair.role", () => Roles.Select(role => new Measurement<int>(
                PairStatusSource.RoleName(lease) == Name(role) ? 1 : 0, new KeyValuePair<string, object?>("role", Name(role)))),
            description: "1 for this node's role in the active/standby pair (standby, active, fenced), 0 for the others.");
        _meter.CreateObservableGauge("ccgw.pair.lease_age", () => lease.LeaseAge is { } age
                ? [new Measurement<double>(age.TotalSeconds)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "Seconds since the lease's holder last took or renewed it.");
        _meter.CreateObservableCounter("ccgw.pair.takeovers", () => lease.Takeovers,
            description: "How many times this node took the lease (standby to active).");
    }

    private static string Name(PairRole role) => role switch
    {
        PairRole.Active => "active",
        PairRole.Standby => "standby",
        _ => "fenced",
    };

    public void Dispose() => _meter.Dispose();
}
