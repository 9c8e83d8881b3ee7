namespace Beacon.Cluster;

/// <summary>Where the cluster's objects come from: a manifest directory or the API server.</summary>
public interface IClusterSource
{
    /// <summary>
    /// The current snapshot first, then a new one after every change, with increasing
    /// <see cref="ClusterSnapshot.Version"/>. Ends by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    IAsyncEnumerable<ClusterSnapshot> WatchAsync(CancellationToken cancellationToken);
}
