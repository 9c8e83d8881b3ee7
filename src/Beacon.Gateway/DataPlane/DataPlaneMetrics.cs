using System.Diagnostics.Metrics;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// Data plane instruments. The agent's exporter prefixes instrument names with the meter
/// name, as for <c>beacon_bgp</c>: <c>beacon_gateway_requests_total</c> and so on.
/// </summary>
internal sealed class DataPlaneMetrics : IDisposable
{
    public const string MeterName = "beacon_gateway";
    public const string ConnectError = "connect";
    public const string TimeoutError = "timeout";
    public const string OtherError = "other";
    public const string MirrorError = "mirror";

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _upstreamErrors;
    private readonly Counter<long> _mirrored;

    public DataPlaneMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("requests_total", description: "HTTP requests served, by status class.");
        _upstreamErrors = _meter.CreateCounter<long>("upstream_errors_total", description: "Failed exchanges with backends, by kind (connect, timeout, other, mirror).");
        _mirrored = _meter.CreateCounter<long>("mirrored_requests_total", description: "Mirror copies answered by their backend.");
    }

    public void RequestServed(int status)
    {
        var index = (status / 100) - 1;
        _requests.Add(1, new KeyValuePair<string, object?>("code", (uint)index < 5 ? StatusClasses[index] : "other"));
    }

    public void UpstreamError(string kind) => _upstreamErrors.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Mirrored() => _mirrored.Add(1);

    public void Dispose() => _meter.Dispose();
}
