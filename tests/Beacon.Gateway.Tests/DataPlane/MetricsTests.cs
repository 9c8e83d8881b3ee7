using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Beacon.Gateway.DataPlane;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Beacon.Gateway.Tests.DataPlane.Cfg;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class MetricsTests
{
    [Fact]
    public async Task Requests_and_upstream_errors_are_counted_by_class_and_kind()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tag = tags.Length > 0 ? $"{tags[0].Key}={tags[0].Value}" : string.Empty;
            measurements.AddOrUpdate($"{instrument.Name}{{{tag}}}", value, (_, v) => v + value);
        });
        listener.Start();

        await using var backend = await EchoBackend.StartAsync("a");
        var port = ProxyHarness.FreePort();
        await using var dataPlane = new GatewayDataPlane(NullLoggerFactory.Instance, new FakeTimeProvider(), new GatewayDataPlaneOptions(), meterFactory);
        await dataPlane.ApplyAsync(
            Single(port, [Forward("ok", Prefix("/ok"), "a"), Forward("dead", Prefix("/dead"), "dead")], Backend("a", backend), Backend("dead", "http", $"127.0.0.1:{ProxyHarness.FreePort()}")),
            CancellationToken.None);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        (await client.GetAsync("/ok")).Dispose();
        (await client.GetAsync("/ok")).Dispose();
        (await client.GetAsync("/missing")).Dispose();
        (await client.GetAsync("/dead")).Dispose();

        Assert.Equal(2, measurements["requests_total{code=2xx}"]);
        Assert.Equal(1, measurements["requests_total{code=4xx}"]);
        Assert.Equal(1, measurements["requests_total{code=5xx}"]);
        Assert.Equal(1, measurements["upstream_errors_total{kind=connect}"]);
    }
}
