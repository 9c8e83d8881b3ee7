using System.Diagnostics.Metrics;
using System.Net;
using Beacon.Agent.Metrics;
using Beacon.Agent.Status;
using Beacon.Bgp.Speaker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Agent.Tests.Status;

/// <summary>A status server on 127.0.0.1 and a free port, over a fake speaker.</summary>
internal sealed class StatusServerFixture : IAsyncDisposable
{
    private readonly ServiceProvider _meterServices;
    private readonly MetricsExporter _exporter;

    private StatusServerFixture(ServiceProvider meterServices, MetricsExporter exporter, StatusServer server, FakeSpeakerStatus speaker, ReadinessTracker readiness, BgpMetrics metrics)
    {
        _meterServices = meterServices;
        _exporter = exporter;
        Server = server;
        Speaker = speaker;
        Readiness = readiness;
        Metrics = metrics;
        Http = new HttpClient { BaseAddress = server.Address };
    }

    public StatusServer Server { get; }
    public FakeSpeakerStatus Speaker { get; }
    public ReadinessTracker Readiness { get; }
    public BgpMetrics Metrics { get; }
    public HttpClient Http { get; }

    public static async Task<StatusServerFixture> StartAsync(
        FakeSpeakerStatus? speaker = null, IObjectStatusSource? objectStatus = null, IPAddress? address = null)
    {
        speaker ??= FakeSpeakerStatus.WithTwoPeers();
        var meterServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meterServices.GetRequiredService<IMeterFactory>();
        var metrics = new BgpMetrics(meterFactory);
        metrics.ObserveStatus(speaker);
        var exporter = new MetricsExporter(meterFactory);
        var readiness = new ReadinessTracker();
        var server = await StatusServer.StartAsync(
            new StatusServerOptions
            {
                Listen = new IPEndPoint(address ?? IPAddress.Loopback, 0),
                Speaker = speaker,
                ObjectStatus = objectStatus ?? NoObjectStatus.Instance,
                Readiness = readiness,
                Metrics = exporter,
                LoggerFactory = NullLoggerFactory.Instance,
            },
            CancellationToken.None);
        return new StatusServerFixture(meterServices, exporter, server, speaker, readiness, metrics);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _exporter.Dispose();
        await _meterServices.DisposeAsync();
    }
}
