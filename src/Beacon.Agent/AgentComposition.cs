using Beacon.Agent.NodeStatus;
using Beacon.Cluster;
using Beacon.Cluster.Kubernetes;
using Beacon.Cluster.Manifests;
using k8s;

namespace Beacon.Agent;

/// <summary>
/// The components <c>beacon run</c> composes: a cluster source, the planner and the BGP
/// speaker; with the API server as the source, also the writer of the node's BGPNodeState.
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
        IClusterSource source = new KubernetesClusterSource(client, context.LoggerFactory, context.TimeProvider);
        var nodeState = new NodeStateWriter(client, options.NodeName, context.TimeProvider, context.LoggerFactory.CreateLogger<NodeStateWriter>());
        return new NodeAgent(context, source, nodeState);
    }
}
