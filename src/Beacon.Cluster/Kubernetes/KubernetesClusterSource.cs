using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Beacon.Cluster.Model;
using k8s;
using Microsoft.Extensions.Logging;

namespace Beacon.Cluster.Kubernetes;

/// <summary>
/// The cluster as the API server shows it: one list-then-watch informer per resource Beacon
/// reads, combined into a snapshot after every change. The first snapshot waits until every
/// resource has been listed once, so the agent never acts on half a cluster. While the API
/// server is unreachable the informers keep their last state and the snapshots say so in
/// <see cref="ClusterSnapshot.Unavailable"/>; nothing is withdrawn because a watch broke.
/// </summary>
public sealed partial class KubernetesClusterSource : IClusterSource
{
    private readonly IReadOnlyList<IResourceInformer> _informers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _coalesce;

    public KubernetesClusterSource(
        IKubernetes client,
        ILoggerFactory loggers,
        TimeProvider? time = null,
        InformerBackoff? backoff = null,
        int watchTimeoutSeconds = 300,
        TimeSpan? coalesce = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = loggers.CreateLogger<KubernetesClusterSource>();
        _coalesce = coalesce ?? TimeSpan.FromMilliseconds(10);
        backoff ??= InformerBackoff.Default;
        var informerLogger = loggers.CreateLogger("Beacon.Cluster.Kubernetes.ResourceInformer");
        IResourceInformer Informer<T>(IResourceClient<T> resource)
            where T : class, IKubernetesObject<k8s.Models.V1ObjectMeta> =>
            new ResourceInformer<T>(resource, _time, informerLogger, backoff);

        _informers =
        [
            Informer(ResourceClients.Services(client, watchTimeoutSeconds)),
            Informer(ResourceClients.EndpointSlices(client, watchTimeoutSeconds)),
            Informer(ResourceClients.Nodes(client, watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<BgpClusterConfig>(client, "bgpclusterconfigs", watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<BgpPeerConfig>(client, "bgppeerconfigs", watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<BgpAdvertisement>(client, "bgpadvertisements", watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<LoadBalancerIpPool>(client, "loadbalancerippools", watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<BgpNodeState>(client, "bgpnodestates", watchTimeoutSeconds)),
        ];
    }

    public async IAsyncEnumerable<ClusterSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChanged() => changed.Writer.TryWrite(true);
        foreach (var informer in _informers)
        {
            informer.Changed += OnChanged;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = _informers.Select(i => Task.Run(() => i.RunAsync(stop.Token), CancellationToken.None)).ToArray();
        try
        {
            long version = 0;
            string? lastUnavailable = null;
            while (true)
            {
                await changed.Reader.ReadAsync(cancellationToken);

                // Let a burst of events (a list, a rollout) land before building a snapshot.
                await Task.Delay(_coalesce, _time, cancellationToken);
                changed.Reader.TryRead(out _);

                var unavailable = Unavailable();
                if (!string.Equals(unavailable, lastUnavailable, StringComparison.Ordinal))
                {
                    Log.Availability(_logger, unavailable ?? "watching every resource");
                    lastUnavailable = unavailable;
                }

                if (!_informers.All(i => i.Synced))
                {
                    continue;
                }

                var builder = new ClusterSnapshot.Builder();
                foreach (var informer in _informers)
                {
                    informer.AddTo(builder);
                }

                yield return builder.Build(++version, [], unavailable);
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var informer in _informers)
            {
                informer.Changed -= OnChanged;
            }

            await Task.WhenAll(running).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    private string? Unavailable()
    {
        var problems = _informers.Select(i => i.Problem).OfType<string>().ToList();
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Kubernetes source: {State}")]
        public static partial void Availability(ILogger logger, string state);
    }
}
