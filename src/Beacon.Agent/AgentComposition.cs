using Beacon.Cluster.Manifests;

namespace Beacon.Agent;

/// <summary>The components <c>beacon run</c> composes: a cluster source, the planner and the BGP speaker.</summary>
internal static class AgentComposition
{
    public static IAgentServices Create(AgentContext context)
    {
        // The CLI refuses `run` without --manifests until the Kubernetes source exists; this
        // guards any other caller from silently running an agent that reads nothing.
        var directory = context.Options.ManifestDirectory
            ?? throw new InvalidOperationException("the Kubernetes API source is not available yet; use --manifests DIR");
        return new NodeAgent(context, new ManifestDirectorySource(
            directory,
            context.LoggerFactory.CreateLogger<ManifestDirectorySource>(),
            timeProvider: context.TimeProvider));
    }
}
