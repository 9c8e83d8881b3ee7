using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model;

/// <summary>How to run sessions that reference it (cluster-scoped).</summary>
[KubernetesEntity(Group = BeaconApi.Group, ApiVersion = BeaconApi.Version, Kind = KindName, PluralName = "bgppeerconfigs")]
public sealed class BgpPeerConfig : IKubernetesObject<V1ObjectMeta>, ISpec<BgpPeerConfigSpec>, IStatus<ConfigStatus?>
{
    public const string KindName = "BGPPeerConfig";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = BeaconApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public BgpPeerConfigSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ConfigStatus? Status { get; set; }
}

public sealed class BgpPeerConfigSpec
{
    [JsonPropertyName("transport")]
    public BgpTransport? Transport { get; set; }

    [JsonPropertyName("timers")]
    public BgpTimers? Timers { get; set; }

    /// <summary>TCP MD5 (RFC 2385) key: Secret with key <c>password</c>.</summary>
    [JsonPropertyName("authSecretRef")]
    public SecretReference? AuthSecretRef { get; set; }

    /// <summary>IP TTL of outgoing session packets.</summary>
    [JsonPropertyName("ebgpMultihop")]
    public int? EbgpMultihop { get; set; }

    /// <summary>GTSM (RFC 5082).</summary>
    [JsonPropertyName("ttlSecurity")]
    public bool? TtlSecurity { get; set; }

    [JsonPropertyName("gracefulRestart")]
    public GracefulRestart? GracefulRestart { get; set; }

    [JsonPropertyName("bfdProfileRef")]
    public string? BfdProfileRef { get; set; }

    [JsonPropertyName("maxPrefixes")]
    public long? MaxPrefixes { get; set; }

    /// <summary>Absent: IPv4 and IPv6 unicast with no advertisements selected.</summary>
    [JsonPropertyName("families")]
    public IList<BgpFamily>? Families { get; set; }
}

public sealed class BgpTransport
{
    [JsonPropertyName("peerPort")]
    public int? PeerPort { get; set; }

    [JsonPropertyName("localAddress")]
    public string? LocalAddress { get; set; }

    [JsonPropertyName("passive")]
    public bool? Passive { get; set; }
}

public sealed class BgpTimers
{
    [JsonPropertyName("holdTimeSeconds")]
    public int? HoldTimeSeconds { get; set; }

    [JsonPropertyName("keepaliveTimeSeconds")]
    public int? KeepaliveTimeSeconds { get; set; }

    [JsonPropertyName("connectRetryTimeSeconds")]
    public int? ConnectRetryTimeSeconds { get; set; }
}

public sealed class SecretReference
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

public sealed class GracefulRestart
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    [JsonPropertyName("restartTimeSeconds")]
    public int? RestartTimeSeconds { get; set; }
}

public sealed class BgpFamily
{
    /// <summary><c>ipv4</c> or <c>ipv6</c>.</summary>
    [JsonPropertyName("afi")]
    public string? Afi { get; set; }

    /// <summary><c>unicast</c>.</summary>
    [JsonPropertyName("safi")]
    public string? Safi { get; set; }

    /// <summary>Selects BGPAdvertisement objects by label; absent selects none.</summary>
    [JsonPropertyName("advertisements")]
    public V1LabelSelector? Advertisements { get; set; }
}
