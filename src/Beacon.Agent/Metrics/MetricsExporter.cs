using System.Diagnostics.Metrics;
using Prometheus;

namespace Beacon.Agent.Metrics;

/// <summary>
/// Exports the instruments of the agent's meters (those its <see cref="IMeterFactory"/> made)
/// to a Prometheus registry of its own, so two agents in one process (tests) do not mix.
/// prometheus-net names each series <c>{meter}_{instrument}</c>.
/// </summary>
public sealed class MetricsExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // prometheus-net drops a series not written for this long. A counter series dropped and
    // re-created restarts from zero (a peer sends OPEN rarely), so counters are kept for the
    // longest expiry prometheus-net accepts, one day; gauges are re-observed at every scrape,
    // so a short expiry only removes the series of peers that no longer exist.
    private static readonly TimeSpan CounterExpiry = TimeSpan.FromDays(1);
    private static readonly TimeSpan ObservedExpiry = TimeSpan.FromMinutes(1);

    private readonly CollectorRegistry _registry;
    private readonly IDisposable _counters;
    private readonly IDisposable _observed;

    public MetricsExporter(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _registry = Prometheus.Metrics.NewCustomRegistry();
        _counters = StartAdapter(instrument => Owned(instrument) && !instrument.IsObservable, CounterExpiry);
        _observed = StartAdapter(instrument => Owned(instrument) && instrument.IsObservable, ObservedExpiry);

        bool Owned(Instrument instrument) => ReferenceEquals(instrument.Meter.Scope, meterFactory);
    }

    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, ExpositionFormat.PrometheusText, cancellationToken);

    public void Dispose()
    {
        _observed.Dispose();
        _counters.Dispose();
    }

    private IDisposable StartAdapter(Func<Instrument, bool> filter, TimeSpan expiry) =>
        MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = _registry,
            // Without its own factory the adapter creates the series in the process-wide default registry.
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(_registry),
            InstrumentFilterPredicate = filter,
            MetricsExpireAfter = expiry,
        });
}
