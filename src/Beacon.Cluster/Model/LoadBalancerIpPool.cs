using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model;

/// <summary>Addresses Beacon may assign to LoadBalancer Services (cluster-scoped).</summary>
[KubernetesEntity(Group = BeaconApi.Group, ApiVersion = BeaconApi.Version, Kind = KindName, PluralName = "loadbalancerippools")]
public sealed class LoadBalancerIpPool : IKubernetesObject<V1ObjectMeta>, ISpec<LoadBalancerIpPoolSpec>, IStatus<LoadBalancerIpPoolStatus?>
{
    public const string KindName = "LoadBalancerIPPool";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = BeaconApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public LoadBalancerIpPoolSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public LoadBalancerIpPoolStatus? Status { get; set; }
}

public sealed class LoadBalancerIpPoolSpec
{
    [JsonPropertyName("blocks")]
    public IList<IpBlock>? Blocks { get; set; }

    [JsonPropertyName("serviceSelector")]
    public V1LabelSelector? ServiceSelector { get; set; }

    [JsonPropertyName("allowFirstLastIPs")]
    public bool? AllowFirstLastIPs { get; set; }

    [JsonPropertyName("disabled")]
    public bool? Disabled { get; set; }
}

/// <summary>Either <see cref="Cidr"/> or a <see cref="Start"/>–<see cref="Stop"/> range.</summary>
public sealed class IpBlock
{
    [JsonPropertyName("cidr")]
    public string? Cidr { get; set; }

    [JsonPropertyName("start")]
    public string? Start { get; set; }

    [JsonPropertyName("stop")]
    public string? Stop { get; set; }
}

public sealed class LoadBalancerIpPoolStatus
{
    [JsonPropertyName("counts")]
    public IpPoolCounts? Counts { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class IpPoolCounts
{
    [JsonPropertyName("total")]
    public long? Total { get; set; }

    [JsonPropertyName("used")]
    public long? Used { get; set; }

    [JsonPropertyName("available")]
    public long? Available { get; set; }
}
