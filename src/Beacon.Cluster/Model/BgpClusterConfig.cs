using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model;

/// <summary>Which nodes speak BGP, with which AS, to which peers (cluster-scoped).</summary>
[KubernetesEntity(Group = BeaconApi.Group, ApiVersion = BeaconApi.Version, Kind = KindName, PluralName = "bgpclusterconfigs")]
public sealed class BgpClusterConfig : IKubernetesObject<V1ObjectMeta>, ISpec<BgpClusterConfigSpec>, IStatus<ConfigStatus?>
{
    public const string KindName = "BGPClusterConfig";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = BeaconApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public BgpClusterConfigSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ConfigStatus? Status { get; set; }
}

public sealed class BgpClusterConfigSpec
{
    /// <summary>Nodes this config applies to; absent selects every node.</summary>
    [JsonPropertyName("nodeSelector")]
    public V1LabelSelector? NodeSelector { get; set; }

    /// <summary>Kept wider than 32 bits so that out-of-range values reach validation with a field path.</summary>
    [JsonPropertyName("localASN")]
    public long? LocalASN { get; set; }

    /// <summary>TCP port to listen on; 0 = never listen, dial only. Default 179.</summary>
    [JsonPropertyName("localPort")]
    public int? LocalPort { get; set; }

    /// <summary>BGP Identifier; default the node's first IPv4 address.</summary>
    [JsonPropertyName("routerID")]
    public string? RouterID { get; set; }

    [JsonPropertyName("peers")]
    public IList<BgpPeer>? Peers { get; set; }
}

public sealed class BgpPeer
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("peerAddress")]
    public string? PeerAddress { get; set; }

    /// <summary>0 (or absent) accepts any AS.</summary>
    [JsonPropertyName("peerASN")]
    public long? PeerASN { get; set; }

    [JsonPropertyName("peerConfigRef")]
    public PeerConfigReference? PeerConfigRef { get; set; }
}

public sealed class PeerConfigReference
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
