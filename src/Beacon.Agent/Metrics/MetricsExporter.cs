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

    private readonly CollectorRegistry _registry;
    private readonly IDisposable _adapter;

    public MetricsExporter(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _registry = Prometheus.Metrics.NewCustomRegistry();
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = _registry,
            // Without its own factory the adapter creates the series in the process-wide default registry.
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(_registry),
            InstrumentFilterPredicate = instrument => ReferenceEquals(instrument.Meter.Scope, meterFactory),
        });
    }

    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, ExpositionFormat.PrometheusText, cancellationToken);

    public void Dispose() => _adapter.Dispose();
}
