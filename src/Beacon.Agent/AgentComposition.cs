using Beacon.Cluster;
using Beacon.Cluster.Kubernetes;
using Beacon.Cluster.Manifests;
using k8s;

namespace Beacon.Agent;

/// <summary>The components <c>beacon run</c> composes: a cluster source, the planner and the BGP speaker.</summary>
internal static class AgentComposition
{
    public static IAgentServices Create(AgentContext context) => new NodeAgent(context, CreateSource(context));

    private static IClusterSource CreateSource(AgentContext context)
    {
        var options = context.Options;
        if (options.ManifestDirectory is { } directory)
        {
            return new ManifestDirectorySource(
                directory,
                context.LoggerFactory.CreateLogger<ManifestDirectorySource>(),
                timeProvider: context.TimeProvider);
        }

        var configuration = options.KubeconfigPath is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.InClusterConfig();
        return new KubernetesClusterSource(new Kubernetes(configuration), context.LoggerFactory, context.TimeProvider);
    }
}
