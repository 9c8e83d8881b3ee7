using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Beacon.Cluster.Model;
using Beacon.Cluster.Model.GatewayApi;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Beacon.Cluster.Kubernetes;

/// <summary>
/// The cluster as the API server shows it: one list-then-watch informer per resource Beacon
/// reads, combined into a snapshot after every change. The first snapshot waits until every
/// resource has been listed once, so the agent never acts on half a cluster. While the API
/// server is unreachable the informers keep their last state and the snapshots say so in
/// <see cref="ClusterSnapshot.Unavailable"/>; nothing is withdrawn because a watch broke.
/// </summary>
/// <remarks>
/// <para>The Gateway API kinds (GatewayClass, Gateway, HTTPRoute of
/// <c>gateway.networking.k8s.io/v1</c>, ReferenceGrant of <c>v1beta1</c>, its storage version in
/// v1.6.1) come from CRDs the user installs from upstream. While they are not installed the API
/// server answers 404: those kinds are then empty, never an outage, and are listed again every
/// <c>absentKindRelist</c> (30 s by default) so CRDs installed later are picked up.</para>
/// <para>
/// Secrets are not watched as a resource: each Secret a BGPPeerConfig names in
/// <c>spec.authSecretRef</c> gets an informer of its own, a namespaced list/watch with
/// <c>fieldSelector=metadata.name=…</c>, started and stopped as the references change, so no
/// other Secret ever reaches the node. A snapshot waits until each of them has listed once or
/// failed to. One that never could list (typically 403: no Role grants it in that namespace)
/// is left out of <see cref="ClusterSnapshot.Secrets"/> and reported in
/// <see cref="ClusterSnapshot.Errors"/> under its object name, <c>Secret namespace/name</c>, so
/// the peers that need it are refused with that reason instead of waiting for ever; it is not
/// an outage of the source, so it does not set <see cref="ClusterSnapshot.Unavailable"/>. One
/// that listed and then fails keeps its last state, like every other informer.</para>
/// </remarks>
public sealed partial class KubernetesClusterSource : IClusterSource
{
    private readonly IKubernetes _client;
    private readonly IReadOnlyList<IResourceInformer> _informers;
    private readonly ResourceInformer<BgpPeerConfig> _peerConfigs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILogger _informerLogger;
    private readonly InformerBackoff _backoff;
    private readonly int _watchTimeoutSeconds;
    private readonly TimeSpan _coalesce;

    public KubernetesClusterSource(
        IKubernetes client,
        ILoggerFactory loggers,
        TimeProvider? time = null,
        InformerBackoff? backoff = null,
        int watchTimeoutSeconds = 300,
        TimeSpan? coalesce = null,
        TimeSpan? absentKindRelist = null)
    {
        _client = client;
        _time = time ?? TimeProvider.System;
        _logger = loggers.CreateLogger<KubernetesClusterSource>();
        _coalesce = coalesce ?? TimeSpan.FromMilliseconds(2);
        _backoff = backoff ?? InformerBackoff.Default;
        _watchTimeoutSeconds = watchTimeoutSeconds;
        _informerLogger = loggers.CreateLogger("Beacon.Cluster.Kubernetes.ResourceInformer");

        _peerConfigs = Informer(ResourceClients.Custom<BgpPeerConfig>(client, "bgppeerconfigs", watchTimeoutSeconds));
        _informers =
        [
            Informer(ResourceClients.Services(client, watchTimeoutSeconds)),
            Informer(ResourceClients.EndpointSlices(client, watchTimeoutSeconds)),
            Informer(ResourceClients.Nodes(client, watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<BgpClusterConfig>(client, "bgpclusterconfigs", watchTimeoutSeconds)),
            _peerConfigs,
            Informer(ResourceClients.Custom<BgpAdvertisement>(client, "bgpadvertisements", watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<LoadBalancerIpPool>(client, "loadbalancerippools", watchTimeoutSeconds)),
            Informer(ResourceClients.Custom<BgpNodeState>(client, "bgpnodestates", watchTimeoutSeconds)),
            Informer(ResourceClients.Namespaces(client, watchTimeoutSeconds)),
            GatewayApiInformer<GatewayClass>(GatewayApiGroup.V1, "gatewayclasses"),
            GatewayApiInformer<Gateway>(GatewayApiGroup.V1, "gateways"),
            GatewayApiInformer<HttpRoute>(GatewayApiGroup.V1, "httproutes"),
            GatewayApiInformer<ReferenceGrant>(GatewayApiGroup.V1Beta1, "referencegrants"),
        ];

        ResourceInformer<T> GatewayApiInformer<T>(string version, string plural)
            where T : class, IKubernetesObject<V1ObjectMeta> =>
            new(ResourceClients.Custom<T>(client, GatewayApiGroup.Group, version, plural, watchTimeoutSeconds), _time, _informerLogger, _backoff,
                absentKindRelist ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>The resources the source lists and watches cluster-wide, as <c>plural[.group]</c> (Secrets aside).</summary>
    internal IEnumerable<string> Resources => _informers.Select(i => i.Resource);

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
        var secrets = new SecretInformers(this, OnChanged, stop.Token);
        try
        {
            long version = 0;
            string? lastUnavailable = null;
            long? lastBuilt = null;
            while (true)
            {
                await changed.Reader.ReadAsync(cancellationToken);

                // A change after a quiet spell is passed on at once; the changes of a burst (a
                // list, a rollout) that follow within the coalescing window land together in
                // one snapshot at its end, so snapshots come at most once per window.
                if (lastBuilt is { } built && _time.GetElapsedTime(built) is var since && since < _coalesce)
                {
                    await Task.Delay(_coalesce - since, _time, cancellationToken);
                }

                changed.Reader.TryRead(out _);

                if (_peerConfigs.Synced)
                {
                    secrets.Follow(_peerConfigs.Items.Values);
                }

                var unavailable = Unavailable(secrets);
                if (!string.Equals(unavailable, lastUnavailable, StringComparison.Ordinal))
                {
                    Log.Availability(_logger, unavailable ?? "watching every resource");
                    lastUnavailable = unavailable;
                }

                if (!_informers.All(i => i.Synced) || !secrets.Settled)
                {
                    continue;
                }

                var builder = new ClusterSnapshot.Builder();
                foreach (var informer in _informers)
                {
                    informer.AddTo(builder);
                }

                var errors = secrets.AddTo(builder);
                lastBuilt = _time.GetTimestamp();
                yield return builder.Build(++version, errors, unavailable);
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var informer in _informers)
            {
                informer.Changed -= OnChanged;
            }

            await secrets.StopAllAsync();
            await Task.WhenAll(running).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    private ResourceInformer<T> Informer<T>(IResourceClient<T> resource)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(resource, _time, _informerLogger, _backoff);

    private string? Unavailable(SecretInformers secrets)
    {
        var problems = _informers.Select(i => i.Problem).Concat(secrets.Problems).OfType<string>().ToList();
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>
    /// One informer per Secret the BGPPeerConfigs reference. Used only by the snapshot loop of
    /// <see cref="WatchAsync"/>, so it needs no lock.
    /// </summary>
    private sealed partial class SecretInformers(KubernetesClusterSource source, Action changed, CancellationToken stopping)
    {
        private readonly SortedDictionary<string, Running> _running = new(StringComparer.Ordinal);
        private readonly List<Running> _stopped = [];

        /// <summary>Every Secret informer has listed once or failed to.</summary>
        public bool Settled => _running.Values.All(r => r.Informer.Settled);

        /// <summary>Problems of informers that have state to keep serving; the others are errors of the snapshot.</summary>
        public IEnumerable<string?> Problems => _running.Values.Where(r => r.Informer.Synced).Select(r => r.Informer.Problem);

        /// <summary>Starts informers for newly referenced Secrets and stops those no longer referenced.</summary>
        public void Follow(IEnumerable<BgpPeerConfig> peerConfigs)
        {
            var wanted = new SortedSet<(string Namespace, string Name)>();
            foreach (var reference in peerConfigs.Select(c => c.Spec?.AuthSecretRef))
            {
                // The validator reports an incomplete or malformed reference; no such Secret can
                // exist, and the name must not widen the field selector it is put into.
                if (reference is { Namespace: { } ns, Name: { } name } && DnsLabel().IsMatch(ns) && DnsSubdomain().IsMatch(name))
                {
                    wanted.Add((ns, name));
                }
            }

            var keys = wanted.Select(w => $"{w.Namespace}/{w.Name}").ToHashSet(StringComparer.Ordinal);
            foreach (var (key, running) in _running.Where(r => !keys.Contains(r.Key)).ToList())
            {
                _running.Remove(key);
                running.Informer.Changed -= changed;
                running.Stop.Cancel();
                _stopped.Add(running);
                Log.SecretUnwatched(source._logger, key);
            }

            foreach (var (ns, name) in wanted)
            {
                var key = $"{ns}/{name}";
                if (_running.ContainsKey(key))
                {
                    continue;
                }

                var informer = source.Informer(ResourceClients.Secret(source._client, ns, name, source._watchTimeoutSeconds));
                informer.Changed += changed;
                var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var task = Task.Run(() => informer.RunAsync(stop.Token), CancellationToken.None);
                _running.Add(key, new Running(informer, stop, task));
                Log.SecretWatched(source._logger, key);
            }

            _stopped.RemoveAll(s =>
            {
                if (!s.Task.IsCompleted)
                {
                    return false;
                }

                s.Stop.Dispose();
                return true;
            });
        }

        /// <summary>Adds the Secrets to the snapshot; returns the errors of those that could not be read.</summary>
        public List<SourceError> AddTo(ClusterSnapshot.Builder builder)
        {
            var errors = new List<SourceError>();
            foreach (var (key, running) in _running)
            {
                if (running.Informer.Synced)
                {
                    running.Informer.AddTo(builder);
                }
                else if (running.Informer.Failure is { } failure)
                {
                    errors.Add(new SourceError("Kubernetes API", $"{V1Secret.KubeKind} {key}", null, failure));
                }
            }

            return errors;
        }

        public async Task StopAllAsync()
        {
            foreach (var running in _running.Values)
            {
                running.Informer.Changed -= changed;
                running.Stop.Cancel();
                _stopped.Add(running);
            }

            _running.Clear();
            await Task.WhenAll(_stopped.Select(s => s.Task)).ContinueWith(static _ => { }, TaskScheduler.Default);
            foreach (var stopped in _stopped)
            {
                stopped.Stop.Dispose();
            }

            _stopped.Clear();
        }

        // RFC 1123 label (namespaces) and subdomain (Secret names), as Kubernetes validates them.
        [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
        private static partial Regex DnsLabel();

        [GeneratedRegex("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
        private static partial Regex DnsSubdomain();

        private sealed record Running(ResourceInformer<V1Secret> Informer, CancellationTokenSource Stop, Task Task);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Kubernetes source: {State}")]
        public static partial void Availability(ILogger logger, string state);

        [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "Watching Secret {Secret}: a BGPPeerConfig references it")]
        public static partial void SecretWatched(ILogger logger, string secret);

        [LoggerMessage(EventId = 312, Level = LogLevel.Information, Message = "Stopped watching Secret {Secret}: no BGPPeerConfig references it any more")]
        public static partial void SecretUnwatched(ILogger logger, string secret);
    }
}
