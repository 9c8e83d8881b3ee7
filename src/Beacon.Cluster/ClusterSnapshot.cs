using System.Collections.Immutable;
using Beacon.Cluster.Model;
using Beacon.Cluster.Model.GatewayApi;
using k8s;
using k8s.Models;

namespace Beacon.Cluster;

/// <summary>
/// Every object Beacon reads, as of one version. Collections are keyed by
/// <see cref="KeyOf"/> (<c>name</c> for cluster-scoped objects, <c>namespace/name</c> otherwise)
/// and ordered by key, so anything derived from a snapshot is deterministic.
/// </summary>
public sealed class ClusterSnapshot
{
    private ClusterSnapshot(long version, Builder builder, ImmutableArray<SourceError> errors, string? unavailable)
    {
        Version = version;
        Unavailable = unavailable;
        ClusterConfigs = builder.ClusterConfigs.ToImmutable();
        PeerConfigs = builder.PeerConfigs.ToImmutable();
        Advertisements = builder.Advertisements.ToImmutable();
        IpPools = builder.IpPools.ToImmutable();
        NodeStates = builder.NodeStates.ToImmutable();
        Services = builder.Services.ToImmutable();
        EndpointSlices = builder.EndpointSlices.ToImmutable();
        Nodes = builder.Nodes.ToImmutable();
        Secrets = builder.Secrets.ToImmutable();
        Namespaces = builder.Namespaces.ToImmutable();
        GatewayClasses = builder.GatewayClasses.ToImmutable();
        Gateways = builder.Gateways.ToImmutable();
        HttpRoutes = builder.HttpRoutes.ToImmutable();
        ReferenceGrants = builder.ReferenceGrants.ToImmutable();
        Errors = errors;
    }

    public static ClusterSnapshot Empty { get; } = new Builder().Build(0, []);

    /// <summary>Increases with every snapshot a source produces.</summary>
    public long Version { get; }

    public ImmutableSortedDictionary<string, BgpClusterConfig> ClusterConfigs { get; }

    public ImmutableSortedDictionary<string, BgpPeerConfig> PeerConfigs { get; }

    public ImmutableSortedDictionary<string, BgpAdvertisement> Advertisements { get; }

    public ImmutableSortedDictionary<string, LoadBalancerIpPool> IpPools { get; }

    public ImmutableSortedDictionary<string, BgpNodeState> NodeStates { get; }

    public ImmutableSortedDictionary<string, V1Service> Services { get; }

    public ImmutableSortedDictionary<string, V1EndpointSlice> EndpointSlices { get; }

    public ImmutableSortedDictionary<string, V1Node> Nodes { get; }

    public ImmutableSortedDictionary<string, V1Secret> Secrets { get; }

    public ImmutableSortedDictionary<string, V1Namespace> Namespaces { get; }

    public ImmutableSortedDictionary<string, GatewayClass> GatewayClasses { get; }

    public ImmutableSortedDictionary<string, Gateway> Gateways { get; }

    public ImmutableSortedDictionary<string, HttpRoute> HttpRoutes { get; private set; }

    public ImmutableSortedDictionary<string, ReferenceGrant> ReferenceGrants { get; }

    /// <summary>
    /// Why the source cannot currently see the cluster (e.g. the API server is unreachable), or
    /// null. The objects are then the last ones seen: consumers keep acting on them.
    /// </summary>
    public string? Unavailable { get; }

    /// <summary>Problems in the source's input; objects they concern may be missing or at their last good content.</summary>
    public ImmutableArray<SourceError> Errors { get; }

    /// <summary>The same snapshot (same version) with other HTTPRoutes, e.g. last accepted versions of rejected ones.</summary>
    public ClusterSnapshot WithHttpRoutes(ImmutableSortedDictionary<string, HttpRoute> routes)
    {
        var copy = (ClusterSnapshot)MemberwiseClone();
        copy.HttpRoutes = routes;
        return copy;
    }

    public static string KeyOf(IKubernetesObject<V1ObjectMeta> obj)
    {
        var ns = obj.Metadata?.NamespaceProperty;
        var name = obj.Metadata?.Name ?? string.Empty;
        return string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";
    }

    /// <summary><c>Kind namespace/name</c>, as used in diagnostics.</summary>
    public static string DisplayName(IKubernetesObject<V1ObjectMeta> obj) => $"{obj.Kind} {KeyOf(obj)}";

    /// <summary>Collects objects for one snapshot; not thread-safe.</summary>
    public sealed class Builder
    {
        internal ImmutableSortedDictionary<string, BgpClusterConfig>.Builder ClusterConfigs { get; } = NewMap<BgpClusterConfig>();

        internal ImmutableSortedDictionary<string, BgpPeerConfig>.Builder PeerConfigs { get; } = NewMap<BgpPeerConfig>();

        internal ImmutableSortedDictionary<string, BgpAdvertisement>.Builder Advertisements { get; } = NewMap<BgpAdvertisement>();

        internal ImmutableSortedDictionary<string, LoadBalancerIpPool>.Builder IpPools { get; } = NewMap<LoadBalancerIpPool>();

        internal ImmutableSortedDictionary<string, BgpNodeState>.Builder NodeStates { get; } = NewMap<BgpNodeState>();

        internal ImmutableSortedDictionary<string, V1Service>.Builder Services { get; } = NewMap<V1Service>();

        internal ImmutableSortedDictionary<string, V1EndpointSlice>.Builder EndpointSlices { get; } = NewMap<V1EndpointSlice>();

        internal ImmutableSortedDictionary<string, V1Node>.Builder Nodes { get; } = NewMap<V1Node>();

        internal ImmutableSortedDictionary<string, V1Secret>.Builder Secrets { get; } = NewMap<V1Secret>();

        internal ImmutableSortedDictionary<string, V1Namespace>.Builder Namespaces { get; } = NewMap<V1Namespace>();

        internal ImmutableSortedDictionary<string, GatewayClass>.Builder GatewayClasses { get; } = NewMap<GatewayClass>();

        internal ImmutableSortedDictionary<string, Gateway>.Builder Gateways { get; } = NewMap<Gateway>();

        internal ImmutableSortedDictionary<string, HttpRoute>.Builder HttpRoutes { get; } = NewMap<HttpRoute>();

        internal ImmutableSortedDictionary<string, ReferenceGrant>.Builder ReferenceGrants { get; } = NewMap<ReferenceGrant>();

        /// <summary>
        /// Adds an object of a kind the snapshot holds. False if one with the same kind and key
        /// is already there (the first one stays) or the kind is not one Beacon reads.
        /// </summary>
        public bool TryAdd(IKubernetesObject<V1ObjectMeta> obj) => obj switch
        {
            BgpClusterConfig o => TryAdd(ClusterConfigs, o),
            BgpPeerConfig o => TryAdd(PeerConfigs, o),
            BgpAdvertisement o => TryAdd(Advertisements, o),
            LoadBalancerIpPool o => TryAdd(IpPools, o),
            BgpNodeState o => TryAdd(NodeStates, o),
            V1Service o => TryAdd(Services, o),
            V1EndpointSlice o => TryAdd(EndpointSlices, o),
            V1Node o => TryAdd(Nodes, o),
            V1Secret o => TryAdd(Secrets, o),
            V1Namespace o => TryAdd(Namespaces, o),
            GatewayClass o => TryAdd(GatewayClasses, o),
            Gateway o => TryAdd(Gateways, o),
            HttpRoute o => TryAdd(HttpRoutes, o),
            ReferenceGrant o => TryAdd(ReferenceGrants, o),
            _ => false,
        };

        public ClusterSnapshot Build(long version, IEnumerable<SourceError> errors, string? unavailable = null) =>
            new(version, this, [.. errors], unavailable);

        private static bool TryAdd<T>(ImmutableSortedDictionary<string, T>.Builder map, T obj)
            where T : IKubernetesObject<V1ObjectMeta>
            => map.TryAdd(KeyOf(obj), obj);

        private static ImmutableSortedDictionary<string, T>.Builder NewMap<T>() =>
            ImmutableSortedDictionary.CreateBuilder<string, T>(StringComparer.Ordinal);
    }
}
