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
    /// <summary>One entry per family the pool's blocks hold, IPv4 first.</summary>
    [JsonPropertyName("counts")]
    public IList<IpPoolCounts>? Counts { get; set; }

    /// <summary><c>IPsExhausted</c> and <c>Conflict</c> (see <c>Beacon.Cluster.Ipam.IpAllocator</c>).</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

/// <summary>
/// Address counts of one family. Decimal strings, as Cilium's pool status reports them,
/// because an IPv6 pool easily holds more than 2^63 addresses (a /64 alone is 2^64).
/// </summary>
public sealed class IpPoolCounts
{
    /// <summary><c>IPv4</c> or <c>IPv6</c>.</summary>
    [JsonPropertyName("family")]
    public string? Family { get; set; }

    /// <summary>Addresses the pool may hand out (after first/last exclusion).</summary>
    [JsonPropertyName("total")]
    public string? Total { get; set; }

    /// <summary>Addresses of the pool held by Services.</summary>
    [JsonPropertyName("used")]
    public string? Used { get; set; }

    [JsonPropertyName("available")]
    public string? Available { get; set; }
}
