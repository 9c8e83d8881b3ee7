using Beacon.Agent.Allocation;
using Beacon.Agent.NodeStatus;
using Beacon.Cluster;
using Beacon.Cluster.Kubernetes;
using Beacon.Cluster.Manifests;
using k8s;

namespace Beacon.Agent;

/// <summary>
/// The components <c>beacon run</c> composes: a cluster source, the planner and the BGP
/// speaker; with the API server as the source, also the writer of the node's BGPNodeState
/// and the Lease-elected LoadBalancer IP allocator.
/// </summary>
internal static class AgentComposition
{
    public static IAgentServices Create(AgentContext context)
    {
        var options = context.Options;
        if (options.ManifestDirectory is { } directory)
        {
            return new NodeAgent(context, new ManifestDirectorySource(
                directory,
                context.LoggerFactory.CreateLogger<ManifestDirectorySource>(),
                timeProvider: context.TimeProvider));
        }

        var configuration = options.KubeconfigPath is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.InClusterConfig();
        var client = new Kubernetes(configuration);
        // One read of the API server feeds both the node's announcements and, while this
        // agent holds the beacon-allocator Lease, the LoadBalancer IP allocator.
        IClusterSource source = new AllocatingClusterSource(
            new KubernetesClusterSource(client, context.LoggerFactory, context.TimeProvider),
            new AllocatorController(client, AllocatorOptions.ForNode(options.NodeName), context.LoggerFactory, context.TimeProvider));
        var nodeState = new NodeStateWriter(client, options.NodeName, context.TimeProvider, context.LoggerFactory.CreateLogger<NodeStateWriter>());
        return new NodeAgent(context, source, nodeState);
    }
}
