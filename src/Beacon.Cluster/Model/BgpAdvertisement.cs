using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model;

/// <summary>What to announce and with which attributes (cluster-scoped).</summary>
[KubernetesEntity(Group = BeaconApi.Group, ApiVersion = BeaconApi.Version, Kind = KindName, PluralName = "bgpadvertisements")]
public sealed class BgpAdvertisement : IKubernetesObject<V1ObjectMeta>, ISpec<BgpAdvertisementSpec>, IStatus<ConfigStatus?>
{
    public const string KindName = "BGPAdvertisement";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = BeaconApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public BgpAdvertisementSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ConfigStatus? Status { get; set; }
}

public sealed class BgpAdvertisementSpec
{
    [JsonPropertyName("advertisements")]
    public IList<BgpAdvertisementEntry>? Advertisements { get; set; }
}

public static class AdvertisementTypes
{
    public const string Service = "Service";
    public const string PodCidr = "PodCIDR";
}

public static class ServiceAddressKinds
{
    public const string LoadBalancerIp = "LoadBalancerIP";
    public const string ExternalIp = "ExternalIP";
    public const string ClusterIp = "ClusterIP";
}

public sealed class BgpAdvertisementEntry
{
    /// <summary><c>Service</c> or <c>PodCIDR</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("service")]
    public ServiceAdvertisement? Service { get; set; }

    /// <summary>Labels of the objects of <see cref="Type"/>; absent selects every one.</summary>
    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }

    [JsonPropertyName("attributes")]
    public RouteAttributesSpec? Attributes { get; set; }
}

public sealed class ServiceAdvertisement
{
    /// <summary>LoadBalancerIP, ExternalIP, ClusterIP.</summary>
    [JsonPropertyName("addresses")]
    public IList<string>? Addresses { get; set; }

    [JsonPropertyName("aggregationLengthIPv4")]
    public int? AggregationLengthIPv4 { get; set; }

    [JsonPropertyName("aggregationLengthIPv6")]
    public int? AggregationLengthIPv6 { get; set; }
}

public sealed class RouteAttributesSpec
{
    [JsonPropertyName("communities")]
    public CommunitiesSpec? Communities { get; set; }

    [JsonPropertyName("localPreference")]
    public long? LocalPreference { get; set; }

    [JsonPropertyName("med")]
    public long? Med { get; set; }

    [JsonPropertyName("asPathPrepend")]
    public AsPathPrepend? AsPathPrepend { get; set; }
}

public sealed class CommunitiesSpec
{
    /// <summary><c>a:b</c> (RFC 1997) or a well-known name.</summary>
    [JsonPropertyName("standard")]
    public IList<string>? Standard { get; set; }

    /// <summary><c>a:b:c</c> (RFC 8092).</summary>
    [JsonPropertyName("large")]
    public IList<string>? Large { get; set; }

    /// <summary>no-export, no-advertise, no-export-subconfed, no-peer, blackhole.</summary>
    [JsonPropertyName("wellKnown")]
    public IList<string>? WellKnown { get; set; }
}

public sealed class AsPathPrepend
{
    [JsonPropertyName("count")]
    public int? Count { get; set; }
}
