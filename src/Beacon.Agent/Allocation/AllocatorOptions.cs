namespace Beacon.Agent.Allocation;

/// <summary>Where the allocator's Lease lives, who campaigns for it, and the election timings.</summary>
public sealed record AllocatorOptions
{
    public const string LeaseName = "beacon-allocator";

    public const string DefaultNamespace = "beacon-system";

    /// <summary>The agent's namespace, where RBAC (deploy/role.yaml) lets it hold the Lease.</summary>
    public required string Namespace { get; init; }

    /// <summary>The candidate's identity in the Lease: the node name, so <c>kubectl get lease</c> says which node allocates.</summary>
    public required string Identity { get; init; }

    // client-go's defaults for controllers (kube-controller-manager uses the same 15/10/2).
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Options for <paramref name="nodeName"/> in <c>$POD_NAMESPACE</c> (downward API), else <see cref="DefaultNamespace"/>.</summary>
    public static AllocatorOptions ForNode(string nodeName) => new()
    {
        Namespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns : DefaultNamespace,
        Identity = nodeName,
    };
}
