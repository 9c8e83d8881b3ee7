using System.Text.Json.Serialization;
using k8s.Models;

namespace Beacon.Cluster.Model;

/// <summary>
/// Status of a configuration object (BGPClusterConfig, BGPPeerConfig, BGPAdvertisement):
/// written by the agent holding the <c>beacon-allocator</c> Lease.
/// </summary>
public sealed class ConfigStatus
{
    /// <summary><c>Accepted</c>: whether the object is valid and usable on every node it applies to.</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
