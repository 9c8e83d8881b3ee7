using System.Net;
using System.Net.Sockets;
using Beacon.Agent.Status;
using Beacon.Agent.Tests.Status;
using Beacon.Bgp.Speaker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Agent.Tests;

public sealed class AgentHostTests
{
    private static readonly RunOptions Options = new()
    {
        ManifestDirectory = "/manifests",
        NodeName = "node-1",
        StatusListen = new IPEndPoint(IPAddress.Loopback, 0),
    };

    [Fact]
    public async Task Serves_the_composed_speaker_until_cancelled_then_exits_zero()
    {
        var services = new FakeServices();
        AgentContext? context = null;
        var (host, listening) = CreateHost(c =>
        {
            context = c;
            return services;
        });
        using var stop = new CancellationTokenSource();

        var run = host.RunAsync(Options, stop.Token);
        using var http = new HttpClient { BaseAddress = await listening };

        Assert.Contains("\"name\":\"tor-a\"", await http.GetStringAsync("api/v1/peers"));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);
        Assert.Same(Options, context!.Options);

        await stop.CancelAsync();
        services.FinishStop();

        Assert.Equal(0, await run);
        Assert.True(services.StopRequested);
        Assert.True(services.Disposed);
    }

    [Fact]
    public async Task Readyz_reports_the_stop_while_components_shut_down()
    {
        var services = new FakeServices();
        var (host, listening) = CreateHost(_ => services);
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(Options, stop.Token);
        using var http = new HttpClient { BaseAddress = await listening };

        await stop.CancelAsync();
        await services.StopStarted;
        var response = await http.GetAsync("readyz");
        services.FinishStop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("agent: shutting down\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task Readiness_blockers_of_the_components_reach_readyz()
    {
        var services = new FakeServices();
        var (host, listening) = CreateHost(context =>
        {
            context.Readiness.Block("source", "manifests not loaded yet");
            return services;
        });
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(Options, stop.Token);
        using var http = new HttpClient { BaseAddress = await listening };

        var response = await http.GetAsync("readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("source: manifests not loaded yet\n", await response.Content.ReadAsStringAsync());
        await stop.CancelAsync();
        services.FinishStop();
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task Metrics_of_the_composed_speaker_are_exported()
    {
        var services = new FakeServices();
        var (host, listening) = CreateHost(context =>
        {
            var metrics = new BgpMetrics(context.MeterFactory);
            metrics.ObserveStatus(services.Speaker);
            metrics.MessageReceived("tor-a", "KEEPALIVE");
            return services;
        });
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(Options, stop.Token);
        using var http = new HttpClient { BaseAddress = await listening };

        var lines = (await http.GetStringAsync("metrics")).Split('\n');

        Assert.Contains("beacon_bgp_session_up{peer=\"tor-a\"} 1", lines);
        Assert.Contains("beacon_bgp_messages_received_total{peer=\"tor-a\",type=\"KEEPALIVE\"} 1", lines);
        await stop.CancelAsync();
        services.FinishStop();
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task A_component_failure_exits_one()
    {
        var services = new FakeServices { Failure = new InvalidOperationException("speaker crashed") };
        var (host, _) = CreateHost(_ => services);

        Assert.Equal(1, await host.RunAsync(Options, CancellationToken.None));
        Assert.True(services.Disposed);
    }

    [Fact]
    public async Task Components_ending_without_being_asked_exit_one()
    {
        var services = new FakeServices { EndImmediately = true };
        var (host, _) = CreateHost(_ => services);

        Assert.Equal(1, await host.RunAsync(Options, CancellationToken.None));
    }

    [Fact]
    public async Task A_status_address_in_use_exits_one_without_running_components()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var services = new FakeServices();
        var (host, _) = CreateHost(_ => services);

        var exit = await host.RunAsync(Options with { StatusListen = (IPEndPoint)taken.LocalEndpoint }, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.False(services.Started);
        Assert.True(services.Disposed);
    }

    private static (AgentHost Host, Task<Uri> Listening) CreateHost(AgentComposer compose)
    {
        var host = new AgentHost(compose, NullLoggerFactory.Instance, TimeProvider.System);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.StatusListening += address => listening.TrySetResult(address);
        return (host, listening.Task);
    }

    private sealed class FakeServices : IAgentServices
    {
        private readonly TaskCompletionSource _stopStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finishStop = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ISpeakerStatus Speaker { get; } = FakeSpeakerStatus.WithTwoPeers();
        public IObjectStatusSource ObjectStatus => NoObjectStatus.Instance;
        public Exception? Failure { get; init; }
        public bool EndImmediately { get; init; }
        public bool Started { get; private set; }
        public bool StopRequested { get; private set; }
        public bool Disposed { get; private set; }
        public Task StopStarted => _stopStarted.Task;

        public void FinishStop() => _finishStop.TrySetResult();

        public async Task RunAsync(CancellationToken stoppingToken)
        {
            Started = true;
            if (Failure is not null)
            {
                throw Failure;
            }

            if (EndImmediately)
            {
                return;
            }

            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (stoppingToken.Register(() => stopped.TrySetResult()))
            {
                await stopped.Task;
            }

            StopRequested = true;
            _stopStarted.TrySetResult();
            await _finishStop.Task;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
