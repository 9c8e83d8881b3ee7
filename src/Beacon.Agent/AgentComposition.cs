using Beacon.Agent.Status;
using Beacon.Bgp.Speaker;
using Beacon.Cluster.Manifests;
using RouteDirection = Beacon.Bgp.Speaker.RouteDirection;

namespace Beacon.Agent;

/// <summary>
/// The components <c>beacon run</c> composes. The manifest source, announcement planner and
/// speaker are wired here; until they are, the agent runs with no peers and serves that.
/// </summary>
internal static class AgentComposition
{
    public static IAgentServices Create(AgentContext context) => context.Options.ManifestDirectory is { } directory
        ? new NodeAgent(context, new ManifestDirectorySource(
            directory,
            context.LoggerFactory.CreateLogger<ManifestDirectorySource>(),
            timeProvider: context.TimeProvider))
        : new PeerlessServices();

    /// <summary>An agent with no BGP peers: what a node selected by no BGPClusterConfig runs.</summary>
    private sealed class PeerlessServices : IAgentServices, ISpeakerStatus
    {
        public ISpeakerStatus Speaker => this;

        public IObjectStatusSource ObjectStatus => NoObjectStatus.Instance;

        public IReadOnlyList<PeerStatus> GetPeers() => [];

        public Task<IReadOnlyList<RouteView>?> GetRoutesAsync(string peerName, RouteDirection direction, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RouteView>?>(null);

        public async Task RunAsync(CancellationToken stoppingToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
