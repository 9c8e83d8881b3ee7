using System.Diagnostics.Metrics;
using Beacon.Agent.Status;
using Beacon.Bgp.Speaker;

namespace Beacon.Agent;

/// <summary>What the composition gives the host to run: the components behind the status endpoint.</summary>
public sealed record AgentContext(
    RunOptions Options,
    ILoggerFactory LoggerFactory,
    IMeterFactory MeterFactory,
    TimeProvider TimeProvider,
    ReadinessTracker Readiness);

/// <summary>
/// The agent's background components (source, planner, speaker), composed for one run.
/// The host serves their status while <see cref="RunAsync"/> runs.
/// </summary>
public interface IAgentServices : IAsyncDisposable
{
    ISpeakerStatus Speaker { get; }

    IObjectStatusSource ObjectStatus { get; }

    /// <summary>
    /// Runs the components until <paramref name="stoppingToken"/> is cancelled, then stops them
    /// gracefully and returns. Throwing, or returning before cancellation, is a runtime failure.
    /// </summary>
    Task RunAsync(CancellationToken stoppingToken);
}

/// <summary>Builds the components for one run; called once, before the status server starts.</summary>
public delegate IAgentServices AgentComposer(AgentContext context);
