using Beacon.Cluster.Model;
using Beacon.Cluster.Model.GatewayApi;
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
        ["v1/Namespace"] = typeof(V1Namespace),
        [$"{GatewayApiGroup.ApiVersionV1}/{GatewayClass.KindName}"] = typeof(GatewayClass),
        [$"{GatewayApiGroup.ApiVersionV1}/{Gateway.KindName}"] = typeof(Gateway),
        [$"{GatewayApiGroup.ApiVersionV1}/{HttpRoute.KindName}"] = typeof(HttpRoute),
        [$"{GatewayApiGroup.ApiVersionV1Beta1}/{ReferenceGrant.KindName}"] = typeof(ReferenceGrant),

        // Served by the v1.6.1 CRD as well (same schema; v1beta1 is the storage version).
        [$"{GatewayApiGroup.ApiVersionV1}/{ReferenceGrant.KindName}"] = typeof(ReferenceGrant),
    };

    /// <summary>Kinds whose objects live in a namespace; the others are cluster-scoped.</summary>
    public static bool IsNamespaced(Type type) =>
        type == typeof(V1Service) || type == typeof(V1Secret) || type == typeof(V1EndpointSlice)
        || type == typeof(Gateway) || type == typeof(HttpRoute) || type == typeof(ReferenceGrant);
}
