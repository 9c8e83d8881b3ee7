using System.Net.Sockets;
using Beacon.Agent.Metrics;
using Beacon.Agent.Status;
using Microsoft.Extensions.Diagnostics.Metrics;

namespace Beacon.Agent;

/// <summary>
/// Runs one agent: composes the components, serves their status, and on cancellation
/// (SIGINT/SIGTERM) stops them gracefully. <see cref="RunAsync"/> returns the process exit code.
/// </summary>
public sealed class AgentHost
{
    /// <summary>How long stopping may take (e.g. sending NOTIFICATION Cease to every peer).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly AgentComposer _compose;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public AgentHost(AgentComposer compose, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(compose);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _compose = compose;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<AgentHost>();
    }

    /// <summary>Raised with the bound status address once the status server listens (tests use port 0).</summary>
    public event Action<Uri>? StatusListening;

    /// <returns>0 after a requested stop, 1 on a runtime failure.</returns>
    public async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        AgentLog.Starting(_logger, options.NodeName, options.ManifestDirectory is { } dir ? $"manifests {dir}" : "kubernetes");

        using var meterServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meterServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var metrics = new MetricsExporter(meterFactory);
        var readiness = new ReadinessTracker();
        IAgentServices composed;
        try
        {
            composed = _compose(new AgentContext(options, _loggerFactory, meterFactory, _timeProvider, readiness));
        }
        catch (Exception e)
        {
            AgentLog.ServicesFailed(_logger, e);
            return 1;
        }

        await using var services = composed;

        StatusServer server;
        try
        {
            server = await StatusServer.StartAsync(
                new StatusServerOptions
                {
                    Listen = options.StatusListen,
                    Speaker = services.Speaker,
                    ObjectStatus = services.ObjectStatus,
                    Readiness = readiness,
                    Metrics = metrics,
                    LoggerFactory = _loggerFactory,
                },
                cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            AgentLog.StatusBindFailed(_logger, options.StatusListen, e);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        await using (server)
        {
            AgentLog.StatusListening(_logger, server.Address);
            StatusListening?.Invoke(server.Address);

            var exitCode = await RunServicesAsync(services, readiness, cancellationToken);

            // The status server outlives the components so /readyz reports the stop while it happens.
            using var stopTimeout = new CancellationTokenSource(StopTimeout, _timeProvider);
            await server.StopAsync(stopTimeout.Token);
            AgentLog.Stopped(_logger);
            return exitCode;
        }
    }

    private async Task<int> RunServicesAsync(IAgentServices services, ReadinessTracker readiness, CancellationToken cancellationToken)
    {
        using var stopping = cancellationToken.Register(() =>
        {
            readiness.Block("agent", "shutting down");
            AgentLog.Stopping(_logger);
        });

        var run = services.RunAsync(cancellationToken);
        try
        {
            await run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Give the components their graceful stop, but not forever.
            try
            {
                await run.WaitAsync(StopTimeout, _timeProvider, CancellationToken.None);
                return 0;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
            catch (TimeoutException)
            {
                AgentLog.StopTimedOut(_logger, StopTimeout);
                return 1;
            }
            catch (Exception e)
            {
                AgentLog.ServicesFailed(_logger, e);
                return 1;
            }
        }
        catch (Exception e)
        {
            AgentLog.ServicesFailed(_logger, e);
            return 1;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        AgentLog.ServicesEndedEarly(_logger);
        return 1;
    }
}
