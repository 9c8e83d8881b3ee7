using System.Runtime.CompilerServices;
using Beacon.Cluster;

namespace Beacon.Agent.Allocation;

/// <summary>
/// A cluster source that also runs the allocator: while the agent watches the cluster, the
/// allocator campaigns for its Lease and sees every snapshot the agent sees, so the agent
/// reads the API server once for both.
/// </summary>
public sealed class AllocatingClusterSource : IClusterSource
{
    private readonly IClusterSource _inner;
    private readonly AllocatorController _allocator;

    public AllocatingClusterSource(IClusterSource inner, AllocatorController allocator)
    {
        _inner = inner;
        _allocator = allocator;
    }

    public async IAsyncEnumerable<ClusterSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var election = _allocator.RunAsync(stop.Token);
        try
        {
            await foreach (var snapshot in _inner.WatchAsync(cancellationToken))
            {
                _allocator.Observe(snapshot);
                yield return snapshot;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await election;
        }
    }
}
