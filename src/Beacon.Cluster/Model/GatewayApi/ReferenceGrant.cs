using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model.GatewayApi;

/// <summary>
/// Permits references from objects in other namespaces to objects in this one. v1beta1 is
/// the storage version in v1.6.1; v1 is served too and has the same schema.
/// </summary>
[KubernetesEntity(Group = GatewayApiGroup.Group, ApiVersion = GatewayApiGroup.V1Beta1, Kind = KindName, PluralName = "referencegrants")]
public sealed class ReferenceGrant : IKubernetesObject<V1ObjectMeta>, ISpec<ReferenceGrantSpec>
{
    public const string KindName = "ReferenceGrant";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersionV1Beta1;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ReferenceGrantSpec Spec { get; set; } = new();
}

public sealed class ReferenceGrantSpec
{
    [JsonPropertyName("from")]
    public IList<ReferenceGrantFrom>? From { get; set; }

    [JsonPropertyName("to")]
    public IList<ReferenceGrantTo>? To { get; set; }
}

public sealed class ReferenceGrantFrom
{
    /// <summary>Empty means the core group.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

public sealed class ReferenceGrantTo
{
    /// <summary>Empty means the core group.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>Absent: every object of the kind in the grant's namespace.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
