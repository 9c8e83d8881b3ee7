using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model;

/// <summary>Session state of one node, written by its agent (cluster-scoped, named after the node).</summary>
[KubernetesEntity(Group = BeaconApi.Group, ApiVersion = BeaconApi.Version, Kind = KindName, PluralName = "bgpnodestates")]
public sealed class BgpNodeState : IKubernetesObject<V1ObjectMeta>, IStatus<BgpNodeStateStatus?>
{
    public const string KindName = "BGPNodeState";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = BeaconApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("status")]
    public BgpNodeStateStatus? Status { get; set; }
}

public sealed class BgpNodeStateStatus
{
    [JsonPropertyName("peers")]
    public IList<BgpPeerState>? Peers { get; set; }

    /// <summary><c>Ready</c>: True when every configured peer is Established (or none is configured).</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class BgpPeerState
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("peerAddress")]
    public string? PeerAddress { get; set; }

    [JsonPropertyName("peerASN")]
    public long? PeerASN { get; set; }

    [JsonPropertyName("localASN")]
    public long? LocalASN { get; set; }

    /// <summary>RFC 4271 §8 state: Idle, Connect, Active, OpenSent, OpenConfirm, Established.</summary>
    [JsonPropertyName("state")]
    public string? State { get; set; }

    [JsonPropertyName("establishedTime")]
    public DateTime? EstablishedTime { get; set; }

    [JsonPropertyName("holdTimeSeconds")]
    public int? HoldTimeSeconds { get; set; }

    [JsonPropertyName("keepaliveTimeSeconds")]
    public int? KeepaliveTimeSeconds { get; set; }

    /// <summary>Capabilities the peer announced in its OPEN (e.g. <c>multiprotocol(1/1)</c>, <c>4-octet-as</c>).</summary>
    [JsonPropertyName("capabilities")]
    public IList<string>? Capabilities { get; set; }

    [JsonPropertyName("families")]
    public IList<BgpFamilyRouteCount>? Families { get; set; }

    [JsonPropertyName("lastError")]
    public string? LastError { get; set; }
}

public sealed class BgpFamilyRouteCount
{
    [JsonPropertyName("afi")]
    public string? Afi { get; set; }

    [JsonPropertyName("safi")]
    public string? Safi { get; set; }

    [JsonPropertyName("advertised")]
    public long? Advertised { get; set; }

    [JsonPropertyName("received")]
    public long? Received { get; set; }
}
