using Beacon.Cluster.Model;
using k8s.Models;

namespace Beacon.Cluster;

/// <summary>The kinds a snapshot holds, by <c>apiVersion/kind</c>, for the client's YAML loader.</summary>
public static class KnownKinds
{
    public static IReadOnlyDictionary<string, Type> TypeMap { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [$"{BeaconApi.ApiVersion}/{BgpClusterConfig.KindName}"] = typeof(BgpClusterConfig),
        [$"{BeaconApi.ApiVersion}/{BgpPeerConfig.KindName}"] = typeof(BgpPeerConfig),
        [$"{BeaconApi.ApiVersion}/{BgpAdvertisement.KindName}"] = typeof(BgpAdvertisement),
        [$"{BeaconApi.ApiVersion}/{LoadBalancerIpPool.KindName}"] = typeof(LoadBalancerIpPool),
        [$"{BeaconApi.ApiVersion}/{BgpNodeState.KindName}"] = typeof(BgpNodeState),
        ["v1/Service"] = typeof(V1Service),
        ["v1/Node"] = typeof(V1Node),
        ["v1/Secret"] = typeof(V1Secret),
        ["discovery.k8s.io/v1/EndpointSlice"] = typeof(V1EndpointSlice),
    };

    /// <summary>Kinds whose objects live in a namespace; the others are cluster-scoped.</summary>
    public static bool IsNamespaced(Type type) =>
        type == typeof(V1Service) || type == typeof(V1Secret) || type == typeof(V1EndpointSlice);
}
